import { summary } from '@course/d2l';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { archSummary } from './arch-summary.ts';
import { residual, resnet18 } from './chapter.ts';
import { explain, summaryCommand } from './cli.ts';
import { PRESETS } from './presets.ts';
import { resnet } from './resnet.ts';
import { skipWithoutExerciseBodies } from './test-exercise-bodies.ts';

skipWithoutExerciseBodies('chapter.test.ts');

afterEach(() => {
  tf.disposeVariables();
});

function blockShape(inputShape: number[], numChannels: number, options: Parameters<typeof residual>[2]): number[] {
  const x = tf.input({ shape: inputShape.slice(1) });
  const model = tf.model({ inputs: x, outputs: residual(x, numChannels, options) });
  const out = tf.tidy(() => (model.predict(tf.randomUniform(inputShape)) as tf.Tensor).shape);
  return out;
}

describe('the chapter, in NHWC', () => {
  it('Residual(3) keeps [4, 6, 6, 3]', () => {
    expect(blockShape([4, 6, 6, 3], 3, {})).toEqual([4, 6, 6, 3]);
  });

  it('Residual(6, use1x1conv, strides 2) gives [4, 3, 3, 6]', () => {
    expect(blockShape([4, 6, 6, 3], 6, { use1x1conv: true, strides: 2 })).toEqual([4, 3, 3, 6]);
  });

  it('lists the seed shapes for a [1, 224, 224, 1] input', () => {
    const s = archSummary('resnet18', { preset: 'd2l', inputShape: [224, 224, 1] });
    const rows = s.listing.split('\n').map((line) => {
      const [name, shape] = line.split(' output shape:');
      return [name, JSON.parse(shape!.trim())];
    });
    expect(rows).toEqual([
      ['stem_conv', [1, 112, 112, 64]],
      ['stem_bn', [1, 112, 112, 64]],
      ['stem_relu', [1, 112, 112, 64]],
      ['stem_pool', [1, 56, 56, 64]],
      ['stage1', [1, 56, 56, 64]],
      ['stage2', [1, 28, 28, 128]],
      ['stage3', [1, 14, 14, 256]],
      ['stage4', [1, 7, 7, 512]],
      ['global_pool', [1, 512]],
      ['dense', [1, 10]],
    ]);
  });

  it('the family builder under the d2l preset rebuilds the chapter model layer for layer', () => {
    const rows = (m: tf.LayersModel) => summary(m).rows;
    expect(rows(resnet(18, { preset: PRESETS.d2l }))).toEqual(rows(resnet18()));
  });

  it('runs a forward pass at the training resolution', () => {
    const model = resnet18({ inputShape: [32, 32, 1] });
    const y = tf.tidy(() => (model.predict(tf.zeros([2, 32, 32, 1])) as tf.Tensor).shape);
    expect(y).toEqual([2, 10]);
  });
});

describe('resnet summary command', () => {
  it('prints the docs/design.md JSON fields', () => {
    const out = JSON.parse(summaryCommand(['--arch', 'resnet18', '--classes', '7', '--input', '64,64,3', '--json']));
    expect(Object.keys(out)).toEqual([
      'arch',
      'preset',
      'inputShape',
      'outputShape',
      'trainableParams',
      'nonTrainableParams',
      'totalParams',
      'layers',
    ]);
    expect(out).toMatchObject({
      arch: 'resnet18',
      preset: 'd2l',
      inputShape: [null, 64, 64, 3],
      outputShape: [null, 7],
    });
    expect(out.layers.at(-1)).toEqual({
      name: 'dense',
      className: 'Dense',
      outputShape: [null, 7],
      params: 512 * 7 + 7,
    });
    expect(out.totalParams).toBe(out.trainableParams + out.nonTrainableParams);
  });

  it.each([
    [['--arch', 'resnet51'], /unknown architecture 'resnet51'; use one of: resnet18/],
    [['--arch', 'resnet50', '--preset', 'caffe'], /unknown preset 'caffe'/],
    [['--arch', 'resnet50', '--input', '224,224'], /--input wants 3 positive integers/],
    [['--arch', 'resnet50', '--classes', '0'], /--classes wants a positive integer/],
    [[], /--arch is required/],
  ])('rejects %j with a one-line reason', (args, reason) => {
    expect(() => summaryCommand(args)).toThrow(reason);
  });

  it('explains a stripped exercise instead of a stack trace', () => {
    const line = explain(new Error('bottleneck: not implemented yet\n    at bottleneck (resnet.ts:1:1)'));
    expect(line).toBe(
      "bottleneck: not implemented yet: this architecture needs an exercise's solution, which is not part of this release",
    );
  });
});
