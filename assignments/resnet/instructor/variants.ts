// Every published convention the grader accepts for the exercises, as a preset of the one ResNet skeleton
// (@course/resnet): the student API built in each. The expected data is the canonical form
// (packages/core/src/analysis/canonical.ts) of the reference; the authoring step (pnpm assign, via conventions.ts)
// checks that every convention here has the very same canonical form, so a convention the canonical form
// misses fails there, named, and not in a student's grade.
import { bottleneck, PRESETS, type Preset, preactResidual, preactResnet, resnet } from '@course/resnet';
import type * as tf from '@tensorflow/tfjs';

export interface BlockOptions {
  strides?: number;
  use1x1conv?: boolean;
}
export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

type T = tf.SymbolicTensor;

/** The chapter's conventions at the exercises' sizes; zero kernels, since only shapes and counts are read. */
export const CHAPTER: Preset = {
  ...PRESETS.d2l,
  name: 'the chapter (conv bias on, no BN on the projection)',
  relu: 'layer',
  preactProjectionInput: 'x',
  kernelInitializer: 'zeros',
};

export const TORCHVISION: Preset = {
  ...CHAPTER,
  name: 'torchvision',
  convBias: 'never',
  preactConvBias: 'never',
  bnOnProjection: true,
};

/** Every published convention, the chapter's first. */
export const CONVENTIONS: Preset[] = [
  CHAPTER,
  TORCHVISION,
  {
    ...CHAPTER,
    name: 'Keras ResNet / the ResNet paper',
    bottleneckStride: 'first-1x1',
    bnOnProjection: true,
    relu: 'activation',
  },
  {
    ...CHAPTER,
    name: 'the identity-mappings paper / Keras ResNetV2',
    preactProjectionInput: 'pre-activated',
    convBias: 'never',
    preactConvBias: 'never',
  },
  // PyTorch's BN settings written as they are (epsilon 1e-5, momentum 0.1): they change nothing.
  {
    ...CHAPTER,
    name: "a line-by-line port of the chapter's PyTorch code",
    zeroPadding: 'every',
    bnEpsilon: 1e-5,
    bnMomentum: 0.1,
  },
];

/** The conventions whole networks are cross-checked with (ResNet-152 costs seconds per build). */
export const NET_CONVENTIONS: Preset[] = [CHAPTER, TORCHVISION];

/** The exercises' API (DESIGN: bottleneck.ts and preact.ts) written in one convention. */
export function exercisesIn(preset: Preset) {
  return {
    bottleneck: (x: T, numChannels: number, options: BlockOptions = {}): T =>
      bottleneck(x, numChannels, { ...options, preset }),
    bottleneckResnet: (depth: 50 | 101 | 152, options: NetOptions = {}): tf.LayersModel =>
      resnet(depth, { ...options, preset }),
    preactResidual: (x: T, numChannels: number, options: BlockOptions = {}): T =>
      preactResidual(x, numChannels, { ...options, preset }),
    preactResnet18: (options: NetOptions = {}): tf.LayersModel => preactResnet(18, { ...options, preset }),
  };
}
