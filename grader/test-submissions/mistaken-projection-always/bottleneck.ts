// Mistake: a 1x1 projection on the shortcut even when use1x1conv is false (x is never carried as is).
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bn = (x: T) => tf.layers.batchNormalization().apply(x) as T;
const relu = (x: T) => tf.layers.reLU().apply(x) as T;

export function bottleneck(x: T, numChannels: number, options: { strides?: number } = {}): T {
  const { strides = 1 } = options;
  const y = bn(conv(relu(bn(conv(relu(bn(conv(x, numChannels, 1))), numChannels, 3, strides))), 4 * numChannels, 1));
  return relu(tf.layers.add().apply([y, conv(x, 4 * numChannels, 1, strides)]) as T);
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
