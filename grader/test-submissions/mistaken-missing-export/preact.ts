// Mistake: the block is exported under another name (preActResidual), so the grader cannot find it.
import * as tf from '@tensorflow/tfjs';

export function preActResidual(x: tf.SymbolicTensor, numChannels: number): tf.SymbolicTensor {
  const y = tf.layers.conv2d({ filters: numChannels, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  return tf.layers.add().apply([y, x]) as tf.SymbolicTensor;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
