// biome-ignore-all lint/correctness/noUnusedFunctionParameters lint/style/useImportType: the bodies are yours to write
// Exercise 4: the pre-activation residual block of He et al. 2016 ("Identity Mappings in Deep Residual
// Networks", Figure 1) and a ResNet-18 built from it. Images are NHWC ([batch, height, width, channels]).
// Build models from TF.js's built-in layers only, with the functional API (tf.input, layer.apply,
// tf.layers.add, tf.model); a tf.sequential or tf.model of them applied like a layer counts as its
// layers. The grader calls exactly:
//
//   preactResidual(x, numChannels, { strides = 1, use1x1conv = false })
//     BN → ReLU → 3×3 conv (strides) → BN → ReLU → 3×3 conv, plus the shortcut (a 1×1 conv when
//     use1x1conv), and NO activation after the addition.
//   preactResnet18({ inputShape = [96, 96, 1], numClasses = 10 })
//     The chapter's stem (7×7/2 conv → BN → ReLU → 3×3/2 max-pool), four stages of two blocks
//     (64, 128, 256, 512 channels), then BN → ReLU → global average pool → dense.
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

export function preactResidual(
  x: tf.SymbolicTensor,
  numChannels: number,
  options: BlockOptions = {},
): tf.SymbolicTensor {
  throw new Error('preactResidual: not implemented yet');
}

export function preactResnet18(options: NetOptions = {}): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
