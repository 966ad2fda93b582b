// Mistake: the stride on both the first 1x1 and the 3x3 conv, so the branch downsamples by 4.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bn = (x: T) => tf.layers.batchNormalization().apply(x) as T;
const relu = (x: T) => tf.layers.reLU().apply(x) as T;

export function bottleneck(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const y = bn(
    conv(relu(bn(conv(relu(bn(conv(x, numChannels, 1, strides))), numChannels, 3, strides))), 4 * numChannels, 1),
  );
  const shortcut = use1x1conv ? conv(relu(bn(conv(x, numChannels, 1, strides))), 4 * numChannels, 1, strides) : x;
  return relu(tf.layers.add().apply([y, shortcut]) as T);
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
