// Small layer helpers of the skeleton and its blocks: conv/BN/ReLU under a preset's conventions, the
// stem, the head and the stage/block names. Functional API only (tf.layers.*.apply).
import * as tf from '@tensorflow/tfjs';
import type { Preset } from './presets.ts';

export type T = tf.SymbolicTensor;

/** `${prefix}_${part}`, or undefined (auto-named layer) when there is no prefix. */
export function part(prefix: string | undefined, suffix: string): string | undefined {
  return prefix === undefined ? undefined : `${prefix}_${suffix}`;
}

export function apply(layer: tf.layers.Layer, x: T | T[]): T {
  return layer.apply(x) as T;
}

export function channels(x: T): number {
  const c = x.shape[x.shape.length - 1];
  if (typeof c !== 'number') throw new Error('the channel dimension must be known; give tf.input a full shape');
  return c;
}

export interface ConvSpec {
  filters: number;
  kernelSize: number;
  strides?: number;
  bias: boolean;
  name?: string;
  /** Pad explicitly even at stride 1 (Keras ResNetV2 has a `_2_pad` layer in every block). */
  alwaysPad?: boolean;
  /** Name of the padding layer; `name` with `conv` turned into `pad` by default (Keras: conv1_conv → conv1_pad). */
  padName?: string;
}

/** A conv that pads like PyTorch/Keras (symmetric zero padding, then 'valid') when the preset asks for it. */
export function conv(x: T, preset: Preset, spec: ConvSpec): T {
  const strides = spec.strides ?? 1;
  const explicit =
    spec.kernelSize > 1 &&
    (spec.alwaysPad || preset.zeroPadding === 'every' || (preset.zeroPadding === 'strided' && strides > 1));
  const input = explicit
    ? apply(
        tf.layers.zeroPadding2d({
          padding: Math.floor(spec.kernelSize / 2),
          name: spec.padName ?? spec.name?.replace(/conv$/, 'pad'),
        }),
        x,
      )
    : x;
  const layer = tf.layers.conv2d({
    filters: spec.filters,
    kernelSize: spec.kernelSize,
    strides,
    padding: explicit ? 'valid' : 'same',
    useBias: spec.bias,
    kernelInitializer: preset.kernelInitializer,
    name: spec.name,
  });
  return apply(layer, input);
}

export function bn(x: T, preset: Preset, name?: string): T {
  return apply(
    tf.layers.batchNormalization({ axis: 3, epsilon: preset.bnEpsilon, momentum: preset.bnMomentum, name }),
    x,
  );
}

export function relu(x: T, preset: Preset, name?: string): T {
  return apply(
    preset.relu === 'layer' ? tf.layers.reLU({ name }) : tf.layers.activation({ activation: 'relu', name }),
    x,
  );
}

export function add(xs: T[], name?: string): T {
  return apply(tf.layers.add({ name }), xs);
}

/** Keras ResNetV2's strided identity shortcut: a 1×1 max-pool that only subsamples. */
export function subsample(x: T, strides: number, name?: string): T {
  return strides === 1 ? x : apply(tf.layers.maxPooling2d({ poolSize: 1, strides, name }), x);
}

const NAMES = {
  stages: {
    stem: ['stem_conv', 'stem_bn', 'stem_relu', 'stem_pool', 'stem_conv_pad', 'stem_pool_pad'],
    head: ['global_pool', 'dense'],
    stage: (i: number) => `stage${i + 1}`,
  },
  keras: {
    stem: ['conv1_conv', 'conv1_bn', 'conv1_relu', 'pool1_pool', 'conv1_pad', 'pool1_pad'],
    head: ['avg_pool', 'predictions'],
    stage: (i: number) => `conv${i + 2}`,
  },
} as const;

/** Name of stage i (0-based) and, in the chapter's naming, of its output layer too. */
export function stageName(preset: Preset, i: number): { name: string; outName?: string } {
  const name = NAMES[preset.naming].stage(i);
  return preset.naming === 'stages' ? { name, outName: name } : { name };
}

/** The chapter's stem: 7×7/2 conv (→ BN → ReLU when `norm`) → 3×3/2 max-pool. */
export function stem(x: T, preset: Preset, options: { norm: boolean; bias: boolean }): T {
  const [convName, bnName, reluName, poolName, padName, poolPadName] = NAMES[preset.naming].stem;
  let y = conv(x, preset, { filters: 64, kernelSize: 7, strides: 2, bias: options.bias, name: convName, padName });
  if (options.norm) y = relu(bn(y, preset, bnName), preset, reluName);
  const explicit = preset.zeroPadding !== 'none';
  if (explicit) y = apply(tf.layers.zeroPadding2d({ padding: 1, name: poolPadName }), y);
  const padding = explicit ? 'valid' : 'same';
  return apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding, name: poolName }), y);
}

/** Global average pool → dense (softmax only where the preset's source model ends in one). */
export function head(x: T, preset: Preset, numClasses: number): T {
  const [poolName, denseName] = NAMES[preset.naming].head;
  const pooled = apply(tf.layers.globalAveragePooling2d({ name: poolName }), x);
  const activation = preset.naming === 'keras' ? 'softmax' : 'linear';
  return apply(
    tf.layers.dense({ units: numClasses, activation, kernelInitializer: preset.kernelInitializer, name: denseName }),
    pooled,
  );
}

/** The BN → ReLU that closes a pre-activation network before pooling. */
export function postNorm(x: T, preset: Preset): T {
  return relu(bn(x, preset, 'post_bn'), preset, 'post_relu');
}

export interface NetShape {
  inputShape: [number, number, number];
  numClasses: number;
}

/** The options' input shape and class count, the preset's where absent, checked. */
export function netShape(options: Partial<NetShape>, preset: Preset): NetShape {
  const shape = {
    inputShape: options.inputShape ?? preset.inputShape,
    numClasses: options.numClasses ?? preset.numClasses,
  };
  checkNetShape(shape);
  return shape;
}

export function checkNetShape(shape: NetShape): void {
  const [h, w, c] = shape.inputShape;
  if (shape.inputShape.length !== 3 || ![h, w, c].every((d) => Number.isInteger(d) && (d ?? 0) > 0)) {
    throw new Error(`inputShape must be three positive integers [height, width, channels], got [${shape.inputShape}]`);
  }
  if (!Number.isInteger(shape.numClasses) || shape.numClasses < 1) {
    throw new Error(`numClasses must be a positive integer, got ${shape.numClasses}`);
  }
}
