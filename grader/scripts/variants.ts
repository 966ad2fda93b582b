// Parametrised builders for every accepted convention of the exercises (conv bias on/off; stride on the
// first 1×1 or on the 3×3; a pre-activation projection reading x or the pre-activated x). The expected
// data is generated from these and cross-checked against the reference solution in make-expected.ts.
import * as tf from '@tensorflow/tfjs';
import type { BlockOptions, NetOptions } from '../src/sandbox/protocol.ts';

export interface Convention {
  bias: boolean;
  /** Bottleneck: where the stride sits. */
  strideOn: 'first1x1' | '3x3';
  /** Pre-activation projection shortcut input. */
  preactShortcut: 'x' | 'preactivated';
}

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]): T => layer.apply(x) as T;

function layersFor(c: Convention) {
  // Zero initialisers: only shapes and counts are read from these models, and zeros are fast to allocate.
  const conv = (x: T, filters: number, kernelSize: number, strides = 1) =>
    apply(
      tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: c.bias, kernelInitializer: 'zeros' }),
      x,
    );
  const bn = (x: T) => apply(tf.layers.batchNormalization(), x);
  const relu = (x: T) => apply(tf.layers.reLU(), x);
  const stem = (input: T) =>
    apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), relu(bn(conv(input, 64, 7, 2))));
  const head = (x: T, numClasses: number) =>
    apply(
      tf.layers.dense({ units: numClasses, kernelInitializer: 'zeros' }),
      apply(tf.layers.globalAveragePooling2d({}), x),
    );
  return { conv, bn, relu, stem, head };
}

export function bottleneckVariant(c: Convention) {
  const { conv, bn, relu } = layersFor(c);
  return (x: T, numChannels: number, { strides = 1, use1x1conv = false }: BlockOptions = {}): T => {
    const [s1, s3] = c.strideOn === 'first1x1' ? [strides, 1] : [1, strides];
    const y = bn(conv(relu(bn(conv(relu(bn(conv(x, numChannels, 1, s1))), numChannels, 3, s3))), 4 * numChannels, 1));
    return relu(apply(tf.layers.add(), [y, use1x1conv ? conv(x, 4 * numChannels, 1, strides) : x]));
  };
}

export function preactVariant(c: Convention) {
  const { conv, bn, relu } = layersFor(c);
  return (x: T, numChannels: number, { strides = 1, use1x1conv = false }: BlockOptions = {}): T => {
    const pre = relu(bn(x));
    const y = conv(relu(bn(conv(pre, numChannels, 3, strides))), numChannels, 3);
    const shortcutInput = c.preactShortcut === 'x' ? x : pre;
    return apply(tf.layers.add(), [y, use1x1conv ? conv(shortcutInput, numChannels, 1, strides) : x]);
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

/** Every accepted convention, bias on first (the chapter's default). */
export const CONVENTIONS: Convention[] = [true, false].flatMap((bias) =>
  (['3x3', 'first1x1'] as const).flatMap((strideOn) =>
    (['x', 'preactivated'] as const).map((preactShortcut) => ({ bias, strideOn, preactShortcut })),
  ),
);

export function conventionName(c: Pick<Convention, 'bias'>): string {
  return c.bias ? 'conv bias on (the chapter default)' : 'conv bias off (torchvision style)';
}
