// A different but correct solution: stride on the first 1x1 (the paper's v1), no conv bias, its own
// layer names, Activation layers instead of ReLU layers, and a helper that builds each stage.
import * as tf from '@tensorflow/tfjs';

let counter = 0;
const id = (what: string) => `alt_${what}_${++counter}`;

function convBn(x: tf.SymbolicTensor, filters: number, size: number, stride: number, act: boolean): tf.SymbolicTensor {
  let y = tf.layers
    .conv2d({ filters, kernelSize: size, strides: stride, padding: 'same', useBias: false, name: id('conv') })
    .apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: id('bn') }).apply(y) as tf.SymbolicTensor;
  return act ? (tf.layers.activation({ activation: 'relu', name: id('act') }).apply(y) as tf.SymbolicTensor) : y;
}

export function bottleneck(
  x: tf.SymbolicTensor,
  numChannels: number,
  options?: { strides?: number; use1x1conv?: boolean },
): tf.SymbolicTensor {
  const stride = options?.strides ?? 1;
  const project = options?.use1x1conv ?? false;
  const shortcut = project
    ? (tf.layers
        .conv2d({ filters: 4 * numChannels, kernelSize: 1, strides: stride, useBias: false, name: id('proj') })
        .apply(x) as tf.SymbolicTensor)
    : x;
  const a = convBn(x, numChannels, 1, stride, true);
  const b = convBn(a, numChannels, 3, 1, true);
  const c = convBn(b, 4 * numChannels, 1, 1, false);
  const sum = tf.layers.add({ name: id('sum') }).apply([shortcut, c]) as tf.SymbolicTensor;
  return tf.layers.activation({ activation: 'relu', name: id('out') }).apply(sum) as tf.SymbolicTensor;
}

function stage(x: tf.SymbolicTensor, width: number, blocks: number, first: boolean): tf.SymbolicTensor {
  let y = bottleneck(x, width, { strides: first ? 1 : 2, use1x1conv: true });
  for (let i = 1; i < blocks; i++) y = bottleneck(y, width);
  return y;
}

export function bottleneckResnet(
  depth: 50 | 101 | 152,
  options?: { inputShape?: [number, number, number]; numClasses?: number },
): tf.LayersModel {
  const plan = depth === 50 ? [3, 4, 6, 3] : depth === 101 ? [3, 4, 23, 3] : [3, 8, 36, 3];
  const inputs = tf.input({ shape: options?.inputShape ?? [96, 96, 1], name: id('image') });
  let x = convBn(inputs, 64, 7, 2, true);
  x = tf.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: id('pool') })
    .apply(x) as tf.SymbolicTensor;
  plan.forEach((blocks, i) => {
    x = stage(x, 64 * 2 ** i, blocks, i === 0);
  });
  x = tf.layers.globalAveragePooling2d({ name: id('gap') }).apply(x) as tf.SymbolicTensor;
  const outputs = tf.layers
    .dense({ units: options?.numClasses ?? 10, name: id('logits') })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs, outputs, name: id('resnet') });
}
