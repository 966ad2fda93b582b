// Correct, torchvision's way (torchvision.models.resnet.Bottleneck, "v1.5"): the stride on the 3×3, no
// conv bias (every conv is followed by a BN), and the downsample shortcut a 1×1 conv followed by a BN.
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
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false }).apply(x) as T;
const bn = (x: T): T => tf.layers.batchNormalization().apply(x) as T;
const relu = (x: T): T => tf.layers.reLU().apply(x) as T;

export function bottleneck(x: T, numChannels: number, options: BlockOptions = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  let out = relu(bn(conv(x, numChannels, 1)));
  out = relu(bn(conv(out, numChannels, 3, strides)));
  out = bn(conv(out, 4 * numChannels, 1));
  const identity = use1x1conv ? bn(conv(x, 4 * numChannels, 1, strides)) : x;
  return relu(tf.layers.add().apply([out, identity]) as T);
}

const LAYERS: Record<50 | 101 | 152, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

export function bottleneckResnet(depth: 50 | 101 | 152, options: NetOptions = {}): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = relu(bn(conv(input, 64, 7, 2)));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as T;
  LAYERS[depth].forEach((blocks, i) => {
    for (let b = 0; b < blocks; b++)
      x = bottleneck(x, 64 * 2 ** i, b === 0 ? { strides: i === 0 ? 1 : 2, use1x1conv: true } : {});
  });
  x = tf.layers.globalAveragePooling2d({}).apply(x) as T;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: options.numClasses ?? 10 }).apply(x) as T });
}
