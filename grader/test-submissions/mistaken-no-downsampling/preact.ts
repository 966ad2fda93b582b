// Mistake: the strides option is ignored, so nothing downsamples.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number) =>
  tf.layers.conv2d({ filters, kernelSize, padding: 'same' }).apply(x) as T;
const bnRelu = (x: T) => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as T;

export function preactResidual(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const y = conv(bnRelu(conv(bnRelu(x), numChannels, 3)), numChannels, 3);
  return tf.layers.add().apply([y, options.use1x1conv ? conv(x, numChannels, 1) : x]) as T;
}

export function preactResnet18(
  options: { inputShape?: [number, number, number]; numClasses?: number } = {},
): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = bnRelu(tf.layers.conv2d({ filters: 64, kernelSize: 7, strides: 2, padding: 'same' }).apply(input) as T);
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as T;
  for (const [i, c] of [64, 128, 256, 512].entries())
    x = preactResidual(preactResidual(x, c, { strides: i ? 2 : 1, use1x1conv: i > 0 }), c);
  x = tf.layers.globalAveragePooling2d({}).apply(bnRelu(x)) as T;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: options.numClasses ?? 10 }).apply(x) as T });
}
