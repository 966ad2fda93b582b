// Hostile: a block missing a BN, with TF.js patched so that the model's own counts look like the reference's.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const relu = (x: T) => tf.layers.reLU().apply(x) as T;

// Every count the student's process could report now says what the grader wants to hear.
tf.LayersModel.prototype.countParams = () => 23_586_570;
tf.layers.Layer.prototype.countParams = () => 0;
Object.defineProperty(tf.LayersModel.prototype, 'trainableWeights', { get: () => [] });

export function bottleneck(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const y = conv(relu(conv(relu(conv(x, numChannels, 1)), numChannels, 3, strides)), 4 * numChannels, 1);
  return relu(tf.layers.add().apply([y, use1x1conv ? conv(x, 4 * numChannels, 1, strides) : x]) as T);
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
