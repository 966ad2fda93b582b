// Correct, the way Keras' ResNetV2 (keras.applications.resnet_v2) and the identity-mappings paper write a
// pre-activation block: BN → ReLU shared before the fork, the projection reading that pre-activated x,
// conv bias in a block only where no BN follows (its last conv and the projection; the stem conv keeps
// its bias), Activation('relu'), BN epsilon 1.001e-5.
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
const conv = (x: T, filters: number, kernelSize: number, strides: number, useBias: boolean): T =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias }).apply(x) as T;
const bnRelu = (x: T): T =>
  tf.layers.activation({ activation: 'relu' }).apply(tf.layers.batchNormalization({ epsilon: 1.001e-5 }).apply(x)) as T;

export function preactResidual(x: T, numChannels: number, options: BlockOptions = {}): T {
  const { strides = 1, use1x1conv = false } = options;
  const preact = bnRelu(x);
  const shortcut = use1x1conv ? conv(preact, numChannels, 1, strides, true) : x;
  let y = conv(preact, numChannels, 3, strides, false);
  y = conv(bnRelu(y), numChannels, 3, 1, true);
  return tf.layers.add().apply([shortcut, y]) as T;
}

export function preactResnet18(options: NetOptions = {}): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = bnRelu(conv(input, 64, 7, 2, true));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as T;
  for (const [i, width] of [64, 128, 256, 512].entries()) {
    x = preactResidual(x, width, i === 0 ? {} : { strides: 2, use1x1conv: true });
    x = preactResidual(x, width);
  }
  x = tf.layers.globalAveragePooling2d({}).apply(bnRelu(x)) as T;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: options.numClasses ?? 10 }).apply(x) as T });
}
