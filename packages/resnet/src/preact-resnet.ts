// Pre-activation ResNets (He et al. 2016, "Identity Mappings in Deep Residual Networks"):
// BN → ReLU → conv inside every block, nothing after the addition, and one BN → ReLU before
// pooling (the skeleton adds it for pre-activation blocks). With the keras preset this is Keras
// Applications' ResNetV2 layer set.
import type * as tf from '@tensorflow/tfjs';
import type { ResidualOptions } from './chapter.ts';
import { add, bn, conv, part, relu, subsample, type T } from './layers.ts';
import { hasBias, PRESETS, type Preset } from './presets.ts';
import type { ResnetOptions } from './resnet.ts';
import { type BlockKind, checkDepth, type Depth, resnetSkeleton, STAGE_COUNTS } from './skeleton.ts';

export const PREACT_DEPTHS = [18, 50, 101, 152] as const;

interface PreactParts {
  /** BN → ReLU of the input, shared by the main path and (as the preset says) a projection shortcut. */
  pre: T;
  shortcut: T;
}

/** The shared pre-activation and the shortcut: a projection, a strided subsample of x, or x itself. */
function preactivate(x: T, outChannels: number, options: ResidualOptions, preset: Preset): PreactParts {
  // BEGIN SOLUTION
  const { use1x1conv = false, strides = 1, name } = options;
  const pre = relu(bn(x, preset, part(name, 'preact_bn')), preset, part(name, 'preact_relu'));
  const bias = hasBias(preset.preactConvBias, false);
  const projected = preset.preactProjectionInput === 'x' ? x : pre;
  const shortcut = use1x1conv
    ? conv(projected, preset, { filters: outChannels, kernelSize: 1, strides, bias, name: part(name, '0_conv') })
    : subsample(x, strides, part(name, '0_pool'));
  return { pre, shortcut };
  // END SOLUTION
}

/** BN → ReLU → 3×3 conv (strides) → BN → ReLU → 3×3 conv, plus the shortcut; no activation after the addition. */
export function preactResidual(x: T, numChannels: number, options: ResidualOptions = {}): T {
  // BEGIN SOLUTION
  const { strides = 1, preset = PRESETS.d2l, name } = options;
  const { pre, shortcut } = preactivate(x, numChannels, options, preset);
  const bias = hasBias(preset.preactConvBias, true);
  let y = conv(pre, preset, { filters: numChannels, kernelSize: 3, strides, bias, name: part(name, '1_conv') });
  y = relu(bn(y, preset, part(name, '1_bn')), preset, part(name, '1_relu'));
  const lastBias = hasBias(preset.preactConvBias, false);
  y = conv(y, preset, { filters: numChannels, kernelSize: 3, bias: lastBias, name: part(name, '2_conv') });
  return add([shortcut, y], options.outName ?? part(name, 'out'));
  // END SOLUTION
}

/**
 * BN → ReLU → 1×1 → BN → ReLU → 3×3 (strides) → BN → ReLU → 1×1 (4·numChannels), plus the shortcut.
 * The stride sits on the 3×3 in every preset, as in He et al.'s code and Keras ResNetV2.
 */
export function preactBottleneck(x: T, numChannels: number, options: ResidualOptions = {}): T {
  // BEGIN SOLUTION
  const { strides = 1, preset = PRESETS.d2l, name } = options;
  const { pre, shortcut } = preactivate(x, 4 * numChannels, options, preset);
  const bias = hasBias(preset.preactConvBias, true);
  const alwaysPad = preset.naming === 'keras';
  let y = conv(pre, preset, { filters: numChannels, kernelSize: 1, bias, name: part(name, '1_conv') });
  y = relu(bn(y, preset, part(name, '1_bn')), preset, part(name, '1_relu'));
  y = conv(y, preset, { filters: numChannels, kernelSize: 3, strides, bias, alwaysPad, name: part(name, '2_conv') });
  y = relu(bn(y, preset, part(name, '2_bn')), preset, part(name, '2_relu'));
  const lastBias = hasBias(preset.preactConvBias, false);
  y = conv(y, preset, { filters: 4 * numChannels, kernelSize: 1, bias: lastBias, name: part(name, '3_conv') });
  return add([shortcut, y], options.outName ?? part(name, 'out'));
  // END SOLUTION
}

export const PREACT_BASIC: BlockKind = { block: preactResidual, expansion: 1, preact: true };
export const PREACT_BOTTLENECK: BlockKind = { block: preactBottleneck, expansion: 4, preact: true };

export function checkPreactDepth(depth: number): Depth {
  if (!(PREACT_DEPTHS as readonly number[]).includes(depth)) {
    throw new Error(`no pre-activation ResNet-${depth} here; use one of: ${PREACT_DEPTHS.join(', ')}`);
  }
  return checkDepth(depth);
}

/** Pre-activation ResNet-{18,50,101,152}: stem, four stages, BN → ReLU, global average pool, dense. */
export function preactResnet(depth: Depth, options: ResnetOptions = {}): tf.LayersModel {
  const kind = checkPreactDepth(depth) < 50 ? PREACT_BASIC : PREACT_BOTTLENECK;
  return resnetSkeleton({ kind, counts: STAGE_COUNTS[depth], name: `preact-resnet${depth}` }, options);
}
