// Mistake: the block never expands to 4·numChannels (last 1x1 conv and shortcut keep numChannels).
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bn = (x: T) => tf.layers.batchNormalization().apply(x) as T;
const relu = (x: T) => tf.layers.reLU().apply(x) as T;

export function bottleneck(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  let y = relu(bn(conv(x, numChannels, 1)));
  y = relu(bn(conv(y, numChannels, 3, strides)));
  y = bn(conv(y, numChannels, 1));
  const shortcut = use1x1conv ? conv(x, numChannels, 1, strides) : x;
  return relu(tf.layers.add().apply([y, shortcut]) as T);
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
