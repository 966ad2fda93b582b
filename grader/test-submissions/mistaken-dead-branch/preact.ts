// Mistake: an activation after the addition that zeroes everything (a threshold no activation reaches),
// so no signal reaches the classifier and the network cannot learn.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bnRelu = (x: T) => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as T;

export function preactResidual(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const y = conv(bnRelu(conv(bnRelu(x), numChannels, 3, strides)), numChannels, 3);
  const sum = tf.layers.add().apply([y, use1x1conv ? conv(x, numChannels, 1, strides) : x]) as T;
  return tf.layers.thresholdedReLU({ theta: 1e6 }).apply(sum) as T;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
