// Two independent implementations must agree: the self-contained exercise solutions (student API)
// and the preset-driven family, under the chapter's (d2l) conventions.

import { summary } from '@course/d2l';
import type { T } from '@course/resnet';
import { buildArch, bottleneck as familyBottleneck, preactResidual as familyPreact } from '@course/resnet';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import * as solutionBottleneck from './solution/bottleneck.ts';
import * as solutionPreact from './solution/preact.ts';

afterEach(() => {
  tf.disposeVariables();
});

function counts(model: tf.LayersModel) {
  const { trainableParams, nonTrainableParams } = summary(model);
  const shape = model.outputs[0]!.shape;
  model.dispose();
  return { trainableParams, nonTrainableParams, shape };
}

function blockModel(block: (x: T) => T, shape: [number, number, number]): tf.LayersModel {
  const input = tf.input({ shape });
  return tf.model({ inputs: input, outputs: block(input) });
}

const BLOCK_CASES = [
  { strides: 1, use1x1conv: false, inChannels: 16 },
  { strides: 1, use1x1conv: true, inChannels: 8 },
  { strides: 2, use1x1conv: true, inChannels: 8 },
];

describe('solution vs family (d2l preset)', () => {
  it.each(BLOCK_CASES)('bottleneck block %o', ({ inChannels, ...options }) => {
    const shape: [number, number, number] = [8, 8, inChannels];
    expect(counts(blockModel((x) => solutionBottleneck.bottleneck(x, 4, options), shape))).toEqual(
      counts(blockModel((x) => familyBottleneck(x, 4, options), shape)),
    );
  });

  it.each(BLOCK_CASES)('pre-activation block %o', ({ inChannels, ...options }) => {
    const shape: [number, number, number] = [8, 8, inChannels];
    const channels = options.use1x1conv ? 16 : inChannels;
    expect(counts(blockModel((x) => solutionPreact.preactResidual(x, channels, options), shape))).toEqual(
      counts(blockModel((x) => familyPreact(x, channels, options), shape)),
    );
  });

  it('bottleneckResnet(50) and resnet50', () => {
    const solution = counts(solutionBottleneck.bottleneckResnet(50));
    expect(solution).toEqual(counts(buildArch('resnet50', { preset: 'd2l', weights: 'zeros' })));
    expect(solution.shape).toEqual([null, 10]);
  });

  it('preactResnet18 and preact-resnet18, with the NetOptions honoured', () => {
    const options = { inputShape: [64, 64, 3] as [number, number, number], numClasses: 5 };
    const solution = counts(solutionPreact.preactResnet18(options));
    expect(solution).toEqual(counts(buildArch('preact-resnet18', { preset: 'd2l', ...options })));
    expect(solution.shape).toEqual([null, 5]);
  });

  it('bottleneckResnet rejects a depth outside Table 1', () => {
    expect(() => solutionBottleneck.bottleneckResnet(34 as 50)).toThrow(/depth must be 50, 101 or 152, got 34/);
  });
});
