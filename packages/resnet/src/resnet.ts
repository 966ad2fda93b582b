// The Table-1 family of He et al. 2015 (ResNet-18/34 with basic blocks, 50/101/152 with
// bottlenecks), assembled from a table of stage counts under a preset's conventions.
import * as tf from '@tensorflow/tfjs';
import { projection, type ResidualOptions, residual } from './chapter.ts';
import {
  add,
  bn,
  channels,
  conv,
  head,
  type NetShape,
  netShape,
  part,
  relu,
  stageName,
  stem,
  type T,
} from './layers.ts';
import { hasBias, PRESETS, type Preset } from './presets.ts';

export const DEPTHS = [18, 34, 50, 101, 152] as const;
export type Depth = (typeof DEPTHS)[number];

/** Blocks per stage, Table 1 of the ResNet paper. */
export const STAGE_COUNTS: Record<Depth, readonly [number, number, number, number]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
  152: [3, 8, 36, 3],
};
export const STAGE_WIDTHS = [64, 128, 256, 512] as const;

export type BlockFn = (x: T, numChannels: number, options: ResidualOptions) => T;
/** A block and how many times its width it outputs (1 for basic blocks, 4 for bottlenecks). */
export interface BlockKind {
  block: BlockFn;
  expansion: number;
}

/**
 * 1×1 conv → BN → ReLU → 3×3 conv → BN → ReLU → 1×1 conv (4·numChannels) → BN, plus the
 * input or its projection, then ReLU. The preset says which conv carries the stride.
 */
export function bottleneck(x: T, numChannels: number, options: ResidualOptions = {}): T {
  // BEGIN SOLUTION
  const { use1x1conv = false, strides = 1, preset = PRESETS.d2l, name } = options;
  const bias = hasBias(preset.convBias, true);
  const [s1, s3] = preset.bottleneckStride === 'first-1x1' ? [strides, 1] : [1, strides];
  let y = conv(x, preset, { filters: numChannels, kernelSize: 1, strides: s1, bias, name: part(name, '1_conv') });
  y = relu(bn(y, preset, part(name, '1_bn')), part(name, '1_relu'));
  y = conv(y, preset, { filters: numChannels, kernelSize: 3, strides: s3, bias, name: part(name, '2_conv') });
  y = relu(bn(y, preset, part(name, '2_bn')), part(name, '2_relu'));
  y = conv(y, preset, { filters: 4 * numChannels, kernelSize: 1, bias, name: part(name, '3_conv') });
  y = bn(y, preset, part(name, '3_bn'));
  const shortcut = use1x1conv ? projection(x, 4 * numChannels, strides, preset, name) : x;
  return relu(add([shortcut, y], part(name, 'add')), options.outName ?? part(name, 'out'));
  // END SOLUTION
}

export const BASIC: BlockKind = { block: residual, expansion: 1 };
export const BOTTLENECK: BlockKind = { block: bottleneck, expansion: 4 };

export interface StageOptions {
  strides: number;
  preset: Preset;
  name?: string;
  outName?: string;
}

/** `numBlocks` blocks; the first downsamples by `strides` and projects when shapes (or the preset) ask. */
export function stage(x: T, kind: BlockKind, numChannels: number, numBlocks: number, options: StageOptions): T {
  const { strides, preset, name } = options;
  let y = x;
  for (let j = 0; j < numBlocks; j++) {
    const first = j === 0;
    const changes = strides !== 1 || channels(y) !== kind.expansion * numChannels;
    y = kind.block(y, numChannels, {
      use1x1conv: first && (changes || preset.alwaysProjectFirstBlock),
      strides: first ? strides : 1,
      preset,
      name: part(name, `block${j + 1}`),
      outName: j === numBlocks - 1 ? options.outName : undefined,
    });
  }
  return y;
}

export interface ResnetOptions extends Partial<NetShape> {
  preset?: Preset;
}

export function blockKind(depth: Depth): BlockKind {
  return depth < 50 ? BASIC : BOTTLENECK;
}

export function checkDepth(depth: number): Depth {
  if (!(DEPTHS as readonly number[]).includes(depth)) {
    throw new Error(`no ResNet-${depth} in Table 1; use one of: ${DEPTHS.join(', ')}`);
  }
  return depth as Depth;
}

/** ResNet-{18,34,50,101,152}: stem, four stages from STAGE_COUNTS, global average pool, dense. */
export function resnet(depth: Depth, options: ResnetOptions = {}): tf.LayersModel {
  const preset = options.preset ?? PRESETS.d2l;
  const shape = netShape(options, preset);
  const kind = blockKind(checkDepth(depth));
  const input = tf.input({ shape: shape.inputShape, name: 'input' });
  let x = stem(input, preset, { norm: true, bias: hasBias(preset.convBias, true) });
  STAGE_COUNTS[depth].forEach((numBlocks, i) => {
    x = stage(x, kind, STAGE_WIDTHS[i]!, numBlocks, { strides: i === 0 ? 1 : 2, preset, ...stageName(preset, i) });
  });
  return tf.model({ inputs: input, outputs: head(x, preset, shape.numClasses), name: `resnet${depth}` });
}
