// Correct, written the way Keras users group layers: the residual branch, the projection shortcut and the
// stem are each a tf.sequential applied to a tensor like a layer. A tf.sequential's first layer needs
// the input shape (TF.js requires it), taken from the tensor it is applied to.
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
const shapeOf = (x: T) => x.shape.slice(1) as number[];

export function bottleneck(x: T, numChannels: number, options: BlockOptions = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const branch = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: shapeOf(x), filters: numChannels, kernelSize: 1 }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.conv2d({ filters: numChannels, kernelSize: 3, strides, padding: 'same' }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.conv2d({ filters: 4 * numChannels, kernelSize: 1 }),
      tf.layers.batchNormalization(),
    ],
  });
  const shortcut = use1x1conv
    ? tf.sequential({
        layers: [tf.layers.conv2d({ inputShape: shapeOf(x), filters: 4 * numChannels, kernelSize: 1, strides })],
      })
    : undefined;
  const y = branch.apply(x) as T;
  const sum = tf.layers.add().apply([y, shortcut ? (shortcut.apply(x) as T) : x]) as T;
  return tf.layers.reLU().apply(sum) as T;
}

const STAGES: Record<number, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

export function bottleneckResnet(depth: 50 | 101 | 152, options: NetOptions = {}): tf.LayersModel {
  const { inputShape = [96, 96, 1], numClasses = 10 } = options;
  const input = tf.input({ shape: inputShape });
  const stem = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape, filters: 64, kernelSize: 7, strides: 2, padding: 'same' }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
    ],
  });
  let x = stem.apply(input) as T;
  (STAGES[depth] ?? []).forEach((blocks, i) => {
    for (let b = 0; b < blocks; b++)
      x = bottleneck(x, 64 * 2 ** i, b === 0 ? { use1x1conv: true, strides: i === 0 ? 1 : 2 } : {});
  });
  const head = tf.sequential({
    layers: [tf.layers.globalAveragePooling2d({ inputShape: shapeOf(x) }), tf.layers.dense({ units: numClasses })],
  });
  return tf.model({ inputs: input, outputs: head.apply(x) as T });
}
