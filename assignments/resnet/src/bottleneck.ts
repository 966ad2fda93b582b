// biome-ignore-all lint/correctness/noUnusedFunctionParameters lint/style/useImportType: the bodies are yours to write
// Exercise 3 (the bottleneck block) and exercise 2 (ResNet-50/101/152 from Table 1 of the ResNet paper).
// Images are NHWC ([batch, height, width, channels]). Build models from TF.js's built-in layers only,
// with the functional API (tf.input, layer.apply, tf.layers.add, tf.model); a tf.sequential or tf.model of
// them applied like a layer counts as its layers. The grader calls exactly:
//
//   bottleneck(x, numChannels, { strides = 1, use1x1conv = false })
//     1×1 conv (numChannels) → BN → ReLU → 3×3 conv (numChannels) → BN → ReLU → 1×1 conv (4·numChannels) → BN,
//     plus the shortcut (a 1×1 conv with the block's stride when use1x1conv), then ReLU.
//     The stride may sit on the first 1×1 (original paper) or on the 3×3 (torchvision's "v1.5"): both are right.
//   bottleneckResnet(depth: 50 | 101 | 152, { inputShape = [96, 96, 1], numClasses = 10 })
//     The chapter's stem (7×7/2 conv → BN → ReLU → 3×3/2 max-pool), four stages of bottleneck blocks
//     ([3,4,6,3], [3,4,23,3], [3,8,36,3]; widths 64, 128, 256, 512), global average pool, dense.
//
// Convolution bias may stay on (the chapter's default) or be turned off: the grader accepts both.
import * as tf from '@tensorflow/tfjs';

export interface BlockOptions {
  strides?: number;
  use1x1conv?: boolean;
}
export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

export function bottleneck(x: tf.SymbolicTensor, numChannels: number, options: BlockOptions = {}): tf.SymbolicTensor {
  throw new Error('bottleneck: not implemented yet');
}

export function bottleneckResnet(depth: 50 | 101 | 152, options: NetOptions = {}): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
