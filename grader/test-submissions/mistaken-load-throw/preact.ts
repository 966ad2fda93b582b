// Mistake: code at the top level that throws when the file loads, before any function is called.
import * as tf from '@tensorflow/tfjs';

export interface BlockOptions {
  strides?: number;
  use1x1conv?: boolean;
}
export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

const conv = (filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' });
const bn = () => tf.layers.batchNormalization();
const relu = () => tf.layers.reLU();
const ap = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;

const WIDTHS = JSON.parse('not json') as number[];

export function preactResidual(
  x: tf.SymbolicTensor,
  numChannels: number,
  options: BlockOptions = {},
): tf.SymbolicTensor {
  const { strides = 1, use1x1conv = false } = options;
  let y = ap(conv(numChannels, 3, strides), ap(relu(), ap(bn(), x)));
  y = ap(conv(numChannels, 3), ap(relu(), ap(bn(), y)));
  const shortcut = use1x1conv ? ap(conv(numChannels, 1, strides), x) : x;
  return ap(tf.layers.add(), [y, shortcut]);
}

export function preactResnet18(options: NetOptions = {}): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = ap(relu(), ap(bn(), ap(conv(64, 7, 2), input)));
  x = ap(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
  for (const [i, channels] of [64, 128, 256, 512].entries()) {
    x = preactResidual(x, channels, { strides: i > 0 ? 2 : 1, use1x1conv: i > 0 });
    x = preactResidual(x, channels);
  }
  x = ap(tf.layers.globalAveragePooling2d({}), ap(relu(), ap(bn(), x)));
  const output = ap(tf.layers.dense({ units: options.numClasses ?? 10 }), x);
  return tf.model({ inputs: input, outputs: output });
}
