// Correct, the way Keras' ResNet50 (keras.applications.resnet, block1) and the ResNet paper write it: the
// stride on the first 1×1, conv bias on, a BN after the 1×1 projection (_0_conv/_0_bn), Activation('relu')
// layers, ZeroPadding2D(3) before the 'valid' 7×7 stem conv and ZeroPadding2D(1) before the 'valid' max-pool,
// and BN epsilon 1.001e-5 as Keras sets it.
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
const conv = (x: T, filters: number, kernelSize: number, strides = 1, padding: 'same' | 'valid' = 'same'): T =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding }).apply(x) as T;
const bn = (x: T): T => tf.layers.batchNormalization({ epsilon: 1.001e-5 }).apply(x) as T;
const act = (x: T): T => tf.layers.activation({ activation: 'relu' }).apply(x) as T;
const pad = (x: T, p: number): T => tf.layers.zeroPadding2d({ padding: p }).apply(x) as T;

export function bottleneck(x: T, numChannels: number, options: BlockOptions = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const shortcut = use1x1conv ? bn(conv(x, 4 * numChannels, 1, strides)) : x;
  let y = act(bn(conv(x, numChannels, 1, strides)));
  y = act(bn(conv(y, numChannels, 3)));
  y = bn(conv(y, 4 * numChannels, 1));
  return act(tf.layers.add().apply([shortcut, y]) as T);
}

const STACKS: Record<50 | 101 | 152, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

export function bottleneckResnet(depth: 50 | 101 | 152, options: NetOptions = {}): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = act(bn(conv(pad(input, 3), 64, 7, 2, 'valid')));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }).apply(pad(x, 1)) as T;
  STACKS[depth].forEach((blocks, i) => {
    x = bottleneck(x, 64 * 2 ** i, { strides: i === 0 ? 1 : 2, use1x1conv: true });
    for (let b = 1; b < blocks; b++) x = bottleneck(x, 64 * 2 ** i);
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as T;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: options.numClasses ?? 10 }).apply(x) as T });
}
