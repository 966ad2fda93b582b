// Parametrised builders of the exercises in every published convention the grader accepts. The expected
// data is the canonical form (grader/src/analysis/canonical.ts) of the first; the authoring step (pnpm assign, via conventions.ts) checks that
// every other one has the very same canonical form, so a convention the canonical form misses fails there.
import * as tf from '@tensorflow/tfjs';

export interface BlockOptions {
  strides?: number;
  use1x1conv?: boolean;
}
export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

export interface Convention {
  /** Where it comes from, for messages. */
  name: string;
  bias: boolean;
  /** Bottleneck: where the stride sits. */
  strideOn: 'first1x1' | '3x3';
  /** Pre-activation projection shortcut input. */
  preactShortcut: 'x' | 'preactivated';
  /** A BN after the 1×1 projection shortcut (the paper, torchvision's downsample, Keras' _0_bn). */
  projectionBn: boolean;
  /** 'explicit': ZeroPadding2D(⌊k/2⌋) before a 'valid' conv or max-pool, as a PyTorch/MXNet port writes padding=k//2. */
  padding: 'same' | 'explicit';
  relu: 'layer' | 'activation';
  /** Odd BN settings (PyTorch's epsilon 1e-5 and momentum 0.1 written as they are): they change nothing. */
  bn?: { epsilon: number; momentum: number };
}

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]): T => layer.apply(x) as T;

function layersFor(c: Convention) {
  const pad = (x: T, k: number) =>
    c.padding === 'explicit' && k > 1 ? apply(tf.layers.zeroPadding2d({ padding: Math.floor(k / 2) }), x) : x;
  const padding = c.padding === 'explicit' ? 'valid' : 'same';
  // Zero initialisers: only shapes and counts are read from these models, and zeros are fast to allocate.
  const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
    apply(
      tf.layers.conv2d({ filters, kernelSize, strides, padding, useBias: c.bias, kernelInitializer: 'zeros' }),
      pad(x, kernelSize),
    );
  const bn = (x: T) => apply(tf.layers.batchNormalization(c.bn ?? {}), x);
  const relu = (x: T) => apply(c.relu === 'layer' ? tf.layers.reLU() : tf.layers.activation({ activation: 'relu' }), x);
  const projection = (x: T, filters: number, strides: number) => {
    const y = conv(x, filters, 1, strides);
    return c.projectionBn ? bn(y) : y;
  };
  const stem = (input: T) =>
    apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding }), pad(relu(bn(conv(input, 64, 7, 2))), 3));
  const head = (x: T, numClasses: number) =>
    apply(
      tf.layers.dense({ units: numClasses, kernelInitializer: 'zeros' }),
      apply(tf.layers.globalAveragePooling2d({}), x),
    );
  return { conv, bn, relu, projection, stem, head };
}

export function bottleneckVariant(c: Convention) {
  const { conv, bn, relu, projection } = layersFor(c);
  return (x: T, numChannels: number, { strides = 1, use1x1conv = false }: BlockOptions = {}): T => {
    const [s1, s3] = c.strideOn === 'first1x1' ? [strides, 1] : [1, strides];
    const y = bn(conv(relu(bn(conv(relu(bn(conv(x, numChannels, 1, s1))), numChannels, 3, s3))), 4 * numChannels, 1));
    return relu(apply(tf.layers.add(), [y, use1x1conv ? projection(x, 4 * numChannels, strides) : x]));
  };
}

export function preactVariant(c: Convention) {
  const { conv, bn, relu, projection } = layersFor(c);
  return (x: T, numChannels: number, { strides = 1, use1x1conv = false }: BlockOptions = {}): T => {
    const pre = relu(bn(x));
    const y = conv(relu(bn(conv(pre, numChannels, 3, strides))), numChannels, 3);
    const shortcutInput = c.preactShortcut === 'x' ? x : pre;
    return apply(tf.layers.add(), [y, use1x1conv ? projection(shortcutInput, numChannels, strides) : x]);
  };
}

const TABLE1: Record<50 | 101 | 152, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

export function bottleneckResnetVariant(
  c: Convention,
  depth: 50 | 101 | 152,
  options: NetOptions = {},
): tf.LayersModel {
  const { stem, head } = layersFor(c);
  const block = bottleneckVariant(c);
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = stem(input);
  for (const [stage, blocks] of TABLE1[depth].entries()) {
    for (let b = 0; b < blocks; b++)
      x = block(x, 64 * 2 ** stage, { strides: b === 0 && stage > 0 ? 2 : 1, use1x1conv: b === 0 });
  }
  return tf.model({ inputs: input, outputs: head(x, options.numClasses ?? 10) });
}

export function preactResnet18Variant(c: Convention, options: NetOptions = {}): tf.LayersModel {
  const { stem, head, bn, relu } = layersFor(c);
  const block = preactVariant(c);
  const input = tf.input({ shape: options.inputShape ?? [96, 96, 1] });
  let x = stem(input);
  for (const [stage, width] of [64, 128, 256, 512].entries()) {
    x = block(block(x, width, { strides: stage > 0 ? 2 : 1, use1x1conv: stage > 0 }), width);
  }
  return tf.model({ inputs: input, outputs: head(relu(bn(x)), options.numClasses ?? 10) });
}

export const CHAPTER: Convention = {
  name: 'the chapter (conv bias on, no BN on the projection)',
  bias: true,
  strideOn: '3x3',
  preactShortcut: 'x',
  projectionBn: false,
  padding: 'same',
  relu: 'layer',
};

export const TORCHVISION: Convention = { ...CHAPTER, name: 'torchvision', bias: false, projectionBn: true };

/** Every published convention, the chapter's first (the expected data is its canonical form). */
export const CONVENTIONS: Convention[] = [
  CHAPTER,
  TORCHVISION,
  { ...CHAPTER, name: 'Keras ResNet / the ResNet paper', strideOn: 'first1x1', projectionBn: true, relu: 'activation' },
  { ...CHAPTER, name: 'the identity-mappings paper / Keras ResNetV2', preactShortcut: 'preactivated', bias: false },
  {
    ...CHAPTER,
    name: "a line-by-line port of the chapter's PyTorch code",
    padding: 'explicit',
    bn: { epsilon: 1e-5, momentum: 0.1 },
  },
];

/** The conventions whole networks are cross-checked with (ResNet-152 costs seconds per build). */
export const NET_CONVENTIONS: Convention[] = [CHAPTER, TORCHVISION];
