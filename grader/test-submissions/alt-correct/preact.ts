// A different but correct pre-activation solution: no conv bias, its own layer names, the projection
// reading x itself (not the pre-activated x), and Activation layers.
import * as tf from '@tensorflow/tfjs';

let n = 0;
const name = (what: string) => `alt_pre_${what}_${++n}`;
const act = (x: tf.SymbolicTensor) =>
  tf.layers.activation({ activation: 'relu', name: name('relu') }).apply(x) as tf.SymbolicTensor;
const norm = (x: tf.SymbolicTensor) => tf.layers.batchNormalization({ name: name('bn') }).apply(x) as tf.SymbolicTensor;
const conv = (x: tf.SymbolicTensor, filters: number, size: number, strides = 1) =>
  tf.layers
    .conv2d({ filters, kernelSize: size, strides, padding: 'same', useBias: false, name: name('conv') })
    .apply(x) as tf.SymbolicTensor;

export function preactResidual(
  x: tf.SymbolicTensor,
  numChannels: number,
  options?: { strides?: number; use1x1conv?: boolean },
): tf.SymbolicTensor {
  const s = options?.strides ?? 1;
  const branch = conv(act(norm(conv(act(norm(x)), numChannels, 3, s))), numChannels, 3);
  const shortcut = options?.use1x1conv ? conv(x, numChannels, 1, s) : x;
  return tf.layers.add({ name: name('add') }).apply([branch, shortcut]) as tf.SymbolicTensor;
}

export function preactResnet18(options?: {
  inputShape?: [number, number, number];
  numClasses?: number;
}): tf.LayersModel {
  const inputs = tf.input({ shape: options?.inputShape ?? [96, 96, 1] });
  let x = act(norm(conv(inputs, 64, 7, 2)));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  for (const [i, width] of [64, 128, 256, 512].entries()) {
    x = preactResidual(x, width, { strides: i === 0 ? 1 : 2, use1x1conv: i !== 0 });
    x = preactResidual(x, width);
  }
  x = tf.layers.globalAveragePooling2d({}).apply(act(norm(x))) as tf.SymbolicTensor;
  return tf.model({
    inputs,
    outputs: tf.layers.dense({ units: options?.numClasses ?? 10 }).apply(x) as tf.SymbolicTensor,
  });
}
