// Mistake: a "squeeze" after the addition that squeezes too hard: one channel, then a softmax over that
// single channel, which is the constant 1. No information leaves the block, so the network cannot learn.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bnRelu = (x: T) => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as T;

export function preactResidual(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const y = conv(bnRelu(conv(bnRelu(x), numChannels, 3, strides)), numChannels, 3);
  const sum = tf.layers.add().apply([y, use1x1conv ? conv(x, numChannels, 1, strides) : x]) as T;
  const squeezed = tf.layers.activation({ activation: 'softmax' }).apply(conv(sum, 1, 1)) as T;
  return conv(squeezed, numChannels, 1);
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
