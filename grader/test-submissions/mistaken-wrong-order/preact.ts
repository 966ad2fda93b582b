// Mistake: the post-activation order (conv → BN → ReLU) in the "pre-activation" block.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bnRelu = (x: T) => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as T;

export function preactResidual(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const y = bnRelu(conv(bnRelu(conv(x, numChannels, 3, strides)), numChannels, 3));
  const shortcut = use1x1conv ? conv(x, numChannels, 1, strides) : x;
  return tf.layers.add().apply([y, shortcut]) as T;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
