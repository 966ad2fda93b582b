// Mistake: a ReLU after the addition of a pre-activation block (the block can no longer be the identity).
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bnRelu = (x: T) => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as T;

export function preactResidual(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const y = conv(bnRelu(conv(bnRelu(x), numChannels, 3, strides)), numChannels, 3);
  const shortcut = use1x1conv ? conv(x, numChannels, 1, strides) : x;
  return tf.layers.reLU().apply(tf.layers.add().apply([y, shortcut])) as T;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
