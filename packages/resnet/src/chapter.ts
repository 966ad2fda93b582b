// The chapter's code (d2l 7.6) in TF.js: Residual, resnet_block and ResNet-18, NHWC. It is the
// resnet-chapter lab's answer, so its bodies are solution regions: a student release stubs them.
// The seed's `for my $i (0 .. $num_residuals)` is inclusive in Perl and built three blocks per
// stage; the book (and the 11,178,378-parameter anchor) has two, as here.
import type * as tf from '@tensorflow/tfjs';
import { add, bn, conv, type NetShape, part, relu, type T } from './layers.ts';
import { hasBias, PRESETS, type Preset } from './presets.ts';
import { type BlockKind, type BlockOptions, resnetSkeleton, STAGE_COUNTS, stage } from './skeleton.ts';

export type ResidualOptions = BlockOptions;

/** 1×1 conv with the block's stride (and a BN where the preset has one) to match the main path's shape. */
export function projection(x: T, numChannels: number, strides: number, preset: Preset, name?: string): T {
  const bias = hasBias(preset.convBias, preset.bnOnProjection);
  const y = conv(x, preset, { filters: numChannels, kernelSize: 1, strides, bias, name: part(name, '0_conv') });
  return preset.bnOnProjection ? bn(y, preset, part(name, '0_bn')) : y;
}

/** 3×3 conv (strides) → BN → ReLU → 3×3 conv → BN, plus the input (or its 1×1 projection), then ReLU. */
export function residual(x: T, numChannels: number, options: ResidualOptions = {}): T {
  // BEGIN SOLUTION
  const { use1x1conv = false, strides = 1, preset = PRESETS.d2l, name } = options;
  const bias = hasBias(preset.convBias, true);
  let y = conv(x, preset, { filters: numChannels, kernelSize: 3, strides, bias, name: part(name, '1_conv') });
  y = relu(bn(y, preset, part(name, '1_bn')), preset, part(name, '1_relu'));
  y = conv(y, preset, { filters: numChannels, kernelSize: 3, bias, name: part(name, '2_conv') });
  y = bn(y, preset, part(name, '2_bn'));
  const shortcut = use1x1conv ? projection(x, numChannels, strides, preset, name) : x;
  return relu(add([shortcut, y], part(name, 'add')), preset, options.outName ?? part(name, 'out'));
  // END SOLUTION
}

/** The chapter's block in the skeleton's terms. */
export const BASIC: BlockKind = { block: residual, expansion: 1, preact: false };

export interface ResnetBlockOptions {
  /** The first stage keeps the stem's resolution and channels, so its first block needs no projection. */
  firstBlock?: boolean;
  preset?: Preset;
  /** Stage name: prefixes the blocks' layers and names the stage's output layer. */
  name?: string;
}

/** A stage of `numResiduals` residual blocks; all but the first stage halve height and width first. */
export function resnetBlock(x: T, numChannels: number, numResiduals: number, options: ResnetBlockOptions = {}): T {
  // BEGIN SOLUTION
  const { firstBlock = false, preset = PRESETS.d2l, name } = options;
  return stage(x, BASIC, numChannels, numResiduals, { strides: firstBlock ? 1 : 2, preset, name, outName: name });
  // END SOLUTION
}

/** The chapter's ResNet-18: stem, four stages of two blocks (64, 128, 256, 512 channels), pool, dense. */
export function resnet18(options: Partial<NetShape> & { preset?: Preset } = {}): tf.LayersModel {
  // BEGIN SOLUTION
  return resnetSkeleton({ kind: BASIC, counts: STAGE_COUNTS[18], name: 'resnet18' }, options);
  // END SOLUTION
}
