// The Table-1 family of He et al. 2015 (ResNet-18/34 with basic blocks, 50/101/152 with bottlenecks):
// the skeleton with the stage counts of Table 1, under a preset's conventions.
import type * as tf from '@tensorflow/tfjs';
import { BASIC, projection, type ResidualOptions } from './chapter.ts';
import { add, bn, conv, part, relu, type T } from './layers.ts';
import { hasBias, PRESETS } from './presets.ts';
import {
  type BlockKind,
  checkDepth,
  type Depth,
  resnetSkeleton,
  type SkeletonOptions,
  STAGE_COUNTS,
} from './skeleton.ts';

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
  y = relu(bn(y, preset, part(name, '1_bn')), preset, part(name, '1_relu'));
  y = conv(y, preset, { filters: numChannels, kernelSize: 3, strides: s3, bias, name: part(name, '2_conv') });
  y = relu(bn(y, preset, part(name, '2_bn')), preset, part(name, '2_relu'));
  y = conv(y, preset, { filters: 4 * numChannels, kernelSize: 1, bias, name: part(name, '3_conv') });
  y = bn(y, preset, part(name, '3_bn'));
  const shortcut = use1x1conv ? projection(x, 4 * numChannels, strides, preset, name) : x;
  return relu(add([shortcut, y], part(name, 'add')), preset, options.outName ?? part(name, 'out'));
  // END SOLUTION
}

export const BOTTLENECK: BlockKind = { block: bottleneck, expansion: 4, preact: false };

export type ResnetOptions = SkeletonOptions;

export function blockKind(depth: Depth): BlockKind {
  return depth < 50 ? BASIC : BOTTLENECK;
}

/** ResNet-{18,34,50,101,152}: stem, four stages from STAGE_COUNTS, global average pool, dense. */
export function resnet(depth: Depth, options: ResnetOptions = {}): tf.LayersModel {
  const kind = blockKind(checkDepth(depth));
  return resnetSkeleton({ kind, counts: STAGE_COUNTS[depth], name: `resnet${depth}` }, options);
}
