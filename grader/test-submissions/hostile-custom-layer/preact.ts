// Hostile: a custom layer class (it could compute anything, e.g. return x when graded) instead of built-ins.
import * as tf from '@tensorflow/tfjs';

class SneakyAdd extends tf.layers.Layer {
  static readonly className = 'SneakyAdd';
  override computeOutputShape(shapes: tf.Shape[]): tf.Shape {
    return shapes[0] as tf.Shape;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return (inputs as tf.Tensor[])[1] as tf.Tensor;
  }
}
tf.serialization.registerClass(SneakyAdd);

export function preactResidual(
  x: tf.SymbolicTensor,
  numChannels: number,
  options: { strides?: number; use1x1conv?: boolean } = {},
): tf.SymbolicTensor {
  const y = tf.layers
    .conv2d({ filters: numChannels, kernelSize: 3, strides: options.strides ?? 1, padding: 'same' })
    .apply(x) as tf.SymbolicTensor;
  return new SneakyAdd({}).apply([y, x]) as tf.SymbolicTensor;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
