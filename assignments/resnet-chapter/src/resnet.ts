// biome-ignore-all lint/correctness/noUnusedFunctionParameters lint/style/useImportType: the bodies are yours to write
// The chapter's own code (d2l §7.6, "Residual Networks (ResNet)"), as the seed notebook writes it in
// MXNet, ported to TF.js: the residual block, a stage of blocks, the chapter's ResNet-18 and the
// ResNet-34 of Table 1 in the ResNet paper. Images are NHWC ([batch, height, width, channels]), so the
// book's [4, 3, 6, 6] is [4, 6, 6, 3] here. Build models from TF.js's built-in layers only, with the
// functional API (tf.input, layer.apply, tf.layers.add, tf.model); a tf.sequential or tf.model of them
// applied like a layer counts as its layers. The grader calls exactly:
//
//   residual(x, numChannels, { use1x1conv = false, strides = 1 })
//     3×3 conv (numChannels, strides) → BN → ReLU → 3×3 conv (numChannels) → BN, plus the shortcut
//     (x itself, or a 1×1 conv with the block's stride when use1x1conv), then ReLU after the addition.
//   resnetBlock(x, numChannels, numResiduals, firstBlock = false)
//     numResiduals residual blocks; unless firstBlock, the first of them halves height and width and
//     projects (use1x1conv, strides 2).
//   resnet18({ inputShape = [96, 96, 1], numClasses = 10 })
//     The stem (7×7/2 conv, 64 channels → BN → ReLU → 3×3/2 max-pool), four stages of two blocks
//     (64, 128, 256, 512 channels; the first stage keeps the stem's resolution), global average pool, dense.
//   resnet34({ inputShape = [96, 96, 1], numClasses = 10 })
//     The same with Table 1's basic blocks per stage: [3, 4, 6, 3].
//
// Convolution bias may stay on (the chapter's default) or be turned off: the grader accepts both.
import * as tf from '@tensorflow/tfjs';

export interface ResidualOptions {
  use1x1conv?: boolean;
  strides?: number;
}
export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

export function residual(x: tf.SymbolicTensor, numChannels: number, options: ResidualOptions = {}): tf.SymbolicTensor {
  throw new Error('residual: not implemented yet');
}

export function resnetBlock(
  x: tf.SymbolicTensor,
  numChannels: number,
  numResiduals: number,
  firstBlock = false,
): tf.SymbolicTensor {
  throw new Error('resnetBlock: not implemented yet');
}

export function resnet18(options: NetOptions = {}): tf.LayersModel {
  throw new Error('resnet18: not implemented yet');
}

export function resnet34(options: NetOptions = {}): tf.LayersModel {
  throw new Error('resnet34: not implemented yet');
}
