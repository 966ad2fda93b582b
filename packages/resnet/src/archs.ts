// Architecture names as the CLI and the grader spell them, and one builder for all of them.
import type * as tf from '@tensorflow/tfjs';
import { preactResnet } from './preact-resnet.ts';
import { getPreset, type Preset, type PresetName } from './presets.ts';
import { resnet } from './resnet.ts';
import { checkDepth } from './skeleton.ts';

export const ARCH_NAMES = [
  'resnet18',
  'resnet34',
  'resnet50',
  'resnet101',
  'resnet152',
  'preact-resnet18',
  'preact-resnet50',
  'preact-resnet101',
  'preact-resnet152',
] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

export interface ArchOptions {
  preset?: PresetName | Preset;
  inputShape?: [number, number, number];
  numClasses?: number;
  /** 'zeros' when only the structure is wanted (counts, shapes): no random draws, many times faster. */
  weights?: 'random' | 'zeros';
}

export function checkArch(name: string): ArchName {
  if (!(ARCH_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown architecture '${name}'; use one of: ${ARCH_NAMES.join(', ')}`);
  }
  return name as ArchName;
}

/** Builds `name` under a preset (d2l by default). */
export function buildArch(name: string, options: ArchOptions = {}): tf.LayersModel {
  const arch = checkArch(name);
  const chosen = typeof options.preset === 'string' ? getPreset(options.preset) : (options.preset ?? getPreset('d2l'));
  const preset = options.weights === 'zeros' ? { ...chosen, kernelInitializer: 'zeros' as const } : chosen;
  const shape = { inputShape: options.inputShape, numClasses: options.numClasses };
  const preact = arch.startsWith('preact-');
  const depth = checkDepth(Number(arch.replace(/^(preact-)?resnet/, '')));
  if (preact) return preactResnet(depth, { preset, ...shape });
  return resnet(depth, { preset, ...shape });
}
