// Mistake inside a block written as its own tf.model: a ReLU after the addition (the pre-activation block
// has none). The block model is applied to x like a layer; the grader reads the layers inside it.
import * as tf from '@tensorflow/tfjs';

export interface BlockOptions {
  strides?: number;
  use1x1conv?: boolean;
}
export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1): T =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bnRelu = (x: T): T => tf.layers.reLU().apply(tf.layers.batchNormalization().apply(x)) as T;

/** The block as a model of its own. */
function preactBlock(inputShape: number[], numChannels: number, options: BlockOptions): tf.LayersModel {
  const { strides = 1, use1x1conv = false } = options;
  const x = tf.input({ shape: inputShape });
  const pre = bnRelu(x);
  const y = conv(bnRelu(conv(pre, numChannels, 3, strides)), numChannels, 3);
  const shortcut = use1x1conv ? conv(pre, numChannels, 1, strides) : x;
  const sum = tf.layers.add().apply([shortcut, y]) as T;
  return tf.model({ inputs: x, outputs: tf.layers.reLU().apply(sum) as T });
}

export function preactResidual(x: T, numChannels: number, options: BlockOptions = {}): T {
  return preactBlock(x.shape.slice(1) as number[], numChannels, options).apply(x) as T;
}

export function preactResnet18(options: NetOptions = {}): tf.LayersModel {
  const { inputShape = [96, 96, 1], numClasses = 10 } = options;
  const input = tf.input({ shape: inputShape });
  let x = bnRelu(conv(input, 64, 7, 2));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as T;
  [64, 128, 256, 512].forEach((numChannels, i) => {
    x = preactResidual(x, numChannels, i === 0 ? {} : { use1x1conv: true, strides: 2 });
    x = preactResidual(x, numChannels);
  });
  x = tf.layers.globalAveragePooling2d({}).apply(bnRelu(x)) as T;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: numClasses }).apply(x) as T });
}
