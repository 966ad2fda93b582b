// Mistake: the block is the file's default export (`export default function bottleneck`), which the grader,
// calling the named export, does not find. The code is right, and bottleneckResnet (a named export) is graded.
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

export default function bottleneck(
  x: tf.SymbolicTensor,
  numChannels: number,
  options: BlockOptions = {},
): tf.SymbolicTensor {
  const { strides = 1, use1x1conv = false } = options;
  let y = ap(relu(), ap(bn(), ap(conv(numChannels, 1), x)));
  y = ap(relu(), ap(bn(), ap(conv(numChannels, 3, strides), y)));
  y = ap(bn(), ap(conv(4 * numChannels, 1), y));
  const shortcut = use1x1conv ? ap(conv(4 * numChannels, 1, strides), x) : x;
  return ap(relu(), ap(tf.layers.add(), [y, shortcut]));
}

const STAGES: Record<50 | 101 | 152, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

export function bottleneckResnet(depth: 50 | 101 | 152, options: NetOptions = {}): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = ap(relu(), ap(bn(), ap(conv(64, 7, 2), input)));
  x = ap(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
  for (const [i, blocks] of STAGES[depth].entries()) {
    for (let b = 0; b < blocks; b++) {
      x = bottleneck(x, 64 * 2 ** i, { strides: b === 0 && i > 0 ? 2 : 1, use1x1conv: b === 0 });
    }
  }
  x = ap(tf.layers.globalAveragePooling2d({}), x);
  const output = ap(tf.layers.dense({ units: options.numClasses ?? 10 }), x);
  return tf.model({ inputs: input, outputs: output });
}
