// Mistake: a typo in a TF.js name (conv2D for conv2d), which TypeScript reports with file and line.
import * as tf from '@tensorflow/tfjs';

export function bottleneck(x: tf.SymbolicTensor, numChannels: number): tf.SymbolicTensor {
  return tf.layers.conv2D({ filters: 4 * numChannels, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
