// Mistake: the shortcut is forgotten; the block is a plain stack of layers.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const bnRelu = (x: T) => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as T;

export function preactResidual(x: T, numChannels: number, options: { strides?: number } = {}): T {
  const conv1 = tf.layers.conv2d({
    filters: numChannels,
    kernelSize: 3,
    strides: options.strides ?? 1,
    padding: 'same',
  });
  const conv2 = tf.layers.conv2d({ filters: numChannels, kernelSize: 3, padding: 'same' });
  return conv2.apply(bnRelu(conv1.apply(bnRelu(x)) as T)) as T;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
