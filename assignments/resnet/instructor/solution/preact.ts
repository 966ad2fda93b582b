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

// BEGIN SOLUTION
type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1): T =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bnRelu = (x: T): T => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as T;
// END SOLUTION

export function preactResidual(
  x: tf.SymbolicTensor,
  numChannels: number,
  options: BlockOptions = {},
): tf.SymbolicTensor {
  // BEGIN SOLUTION
  const { strides = 1, use1x1conv = false } = options;
  const pre = bnRelu(x);
  const y = conv(bnRelu(conv(pre, numChannels, 3, strides)), numChannels, 3);
  // A projection reads the pre-activated input, as in the paper's code; an identity carries x untouched.
  const shortcut = use1x1conv ? conv(pre, numChannels, 1, strides) : x;
  return tf.layers.add().apply([shortcut, y]) as T;
  // END SOLUTION
}

export function preactResnet18(options: NetOptions = {}): tf.LayersModel {
  // BEGIN SOLUTION
  const { inputShape = [96, 96, 1], numClasses = 10 } = options;
  const input = tf.input({ shape: inputShape });
  let x = bnRelu(conv(input, 64, 7, 2));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as T;
  [64, 128, 256, 512].forEach((numChannels, i) => {
    x = preactResidual(x, numChannels, i === 0 ? {} : { use1x1conv: true, strides: 2 });
    x = preactResidual(x, numChannels);
  });
  x = tf.layers.globalAveragePooling2d({}).apply(bnRelu(x)) as T;
  const output = tf.layers.dense({ units: numClasses }).apply(x) as T;
  return tf.model({ inputs: input, outputs: output, name: 'preact-resnet18' });
  // END SOLUTION
}
