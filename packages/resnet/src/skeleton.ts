// The one ResNet skeleton, as Keras' `ResNet(stack_fn, preact, use_bias)` and torchvision's `_make_layer`:
// a stem, stages of one kind of block, an optional final BN → ReLU, global average pooling and a dense
// layer. Every network here (the chapter's ResNet-18, the Table-1 family, the pre-activation family, and
// each convention the grader accepts) is this builder with a block kind, the stage counts and a preset.
import * as tf from '@tensorflow/tfjs';
import { channels, head, type NetShape, netShape, part, postNorm, stageName, stem, type T } from './layers.ts';
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

export interface BlockOptions {
  use1x1conv?: boolean;
  strides?: number;
  /** Conventions (bias, BN, padding, ReLU); the chapter's by default. */
  preset?: Preset;
  /** Prefix for the block's layer names. */
  name?: string;
  /** Name of the block's output layer. */
  outName?: string;
}

export type BlockFn = (x: T, numChannels: number, options: BlockOptions) => T;

/** A block, how many times its width it outputs (1 for basic blocks, 4 for bottlenecks), and its family. */
export interface BlockKind {
  block: BlockFn;
  expansion: number;
  /** Pre-activation blocks: the stem may skip its BN → ReLU and a BN → ReLU closes the network. */
  preact: boolean;
}

export interface StageOptions {
  strides: number;
  preset: Preset;
  name?: string;
  outName?: string;
}

/**
 * `numBlocks` blocks of `kind`. One block downsamples by `strides`: the first, or the last where the preset
 * strides pre-activation stages at their end (Keras ResNetV2). The first block projects its shortcut when
 * the shape changes there, or always where the preset says so (Keras).
 */
export function stage(x: T, kind: BlockKind, numChannels: number, numBlocks: number, options: StageOptions): T {
  const { strides, preset, name } = options;
  const strideAt = kind.preact && preset.preactStrideOnLastBlock ? numBlocks - 1 : 0;
  let y = x;
  for (let j = 0; j < numBlocks; j++) {
    const s = j === strideAt ? strides : 1;
    const reshapes = s !== 1 || channels(y) !== kind.expansion * numChannels;
    y = kind.block(y, numChannels, {
      use1x1conv: j === 0 && (reshapes || preset.alwaysProjectFirstBlock),
      strides: s,
      preset,
      name: part(name, `block${j + 1}`),
      outName: j === numBlocks - 1 ? options.outName : undefined,
    });
  }
  return y;
}

export interface Skeleton {
  kind: BlockKind;
  /** Blocks per stage; stage i is 64·2^i channels wide. */
  counts: readonly number[];
  /** The model's name. */
  name: string;
}

export interface SkeletonOptions extends Partial<NetShape> {
  preset?: Preset;
}

/** Stem → stages → (BN → ReLU for pre-activation blocks) → global average pool → dense. */
export function resnetSkeleton(spec: Skeleton, options: SkeletonOptions = {}): tf.LayersModel {
  const preset = options.preset ?? PRESETS.d2l;
  const shape = netShape(options, preset);
  const { kind, counts } = spec;
  const input = tf.input({ shape: shape.inputShape, name: 'input' });
  const norm = kind.preact ? preset.preactStemNorm : true;
  let x = stem(input, preset, { norm, bias: hasBias(kind.preact ? preset.preactConvBias : preset.convBias, norm) });
  const strideOnLast = kind.preact && preset.preactStrideOnLastBlock;
  counts.forEach((numBlocks, i) => {
    // Downsampling in a stage's last block moves each stride one stage earlier (Keras: conv2..conv4, not conv5).
    const strides = strideOnLast ? (i === counts.length - 1 ? 1 : 2) : i === 0 ? 1 : 2;
    x = stage(x, kind, 64 * 2 ** i, numBlocks, { strides, preset, ...stageName(preset, i) });
  });
  const top = kind.preact ? postNorm(x, preset) : x;
  return tf.model({ inputs: input, outputs: head(top, preset, shape.numClasses), name: spec.name });
}

export function checkDepth(depth: number): Depth {
  if (!(DEPTHS as readonly number[]).includes(depth)) {
    throw new Error(`no ResNet-${depth} in Table 1; use one of: ${DEPTHS.join(', ')}`);
  }
  return depth as Depth;
}
