// Mistake: one block too many in every stage of the Table-1 networks (a correct block otherwise).
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;
const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same' }).apply(x) as T;
const bn = (x: T) => tf.layers.batchNormalization().apply(x) as T;
const relu = (x: T) => tf.layers.reLU().apply(x) as T;

export function bottleneck(x: T, numChannels: number, options: { strides?: number; use1x1conv?: boolean } = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const y = bn(conv(relu(bn(conv(relu(bn(conv(x, numChannels, 1))), numChannels, 3, strides))), 4 * numChannels, 1));
  return relu(tf.layers.add().apply([y, use1x1conv ? conv(x, 4 * numChannels, 1, strides) : x]) as T);
}

const BLOCKS: Record<number, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

export function bottleneckResnet(
  depth: 50 | 101 | 152,
  options: { inputShape?: [number, number, number]; numClasses?: number } = {},
): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = relu(bn(conv(input, 64, 7, 2)));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as T;
  (BLOCKS[depth] ?? []).forEach((n, stage) => {
    for (let b = 0; b <= n; b++)
      x = bottleneck(x, 64 << stage, { strides: b === 0 && stage > 0 ? 2 : 1, use1x1conv: b === 0 });
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as T;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: options.numClasses ?? 10 }).apply(x) as T });
}
