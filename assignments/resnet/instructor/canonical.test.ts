// The canonical form: every published convention of the exercises gives the chapter's graph, with the
// convention named; what computes something else stays visible.

import { canonicalize, describeConventions, netLayout, paddingIsSame, readBlock, summarize } from '@course/core';
import type { Preset } from '@course/resnet';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONVENTIONS, exercisesIn } from './variants.ts';

const bottleneckVariant = (c: Preset) => exercisesIn(c).bottleneck;
const preactVariant = (c: Preset) => exercisesIn(c).preactResidual;

type T = tf.SymbolicTensor;

function blockModel(build: (x: T, n: number, o: { strides?: number; use1x1conv?: boolean }) => T, input: number[]) {
  const x = tf.input({ shape: input });
  return tf.model({ inputs: x, outputs: build(x, 4, { strides: 2, use1x1conv: true }) });
}

const [chapter, torchvision, keras, preactivated, port] = CONVENTIONS as [Preset, Preset, Preset, Preset, Preset];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the canonical form', () => {
  it.each(CONVENTIONS.map((c) => [c.name, c] as const))(
    '%s: the bottleneck and the pre-activation block read as the chapter wrote them',
    (_name, c) => {
      for (const build of [bottleneckVariant, preactVariant]) {
        const want = summarize(blockModel(build(chapter), [8, 8, 6]));
        const got = summarize(blockModel(build(c), [8, 8, 6]));
        expect(got.rows.map((r) => [r.kind, r.trainable, r.total])).toEqual(
          want.rows.map((r) => [r.kind, r.trainable, r.total]),
        );
        expect(got.layout).toEqual(want.layout);
        expect(readBlock(canonicalize(blockModel(build(c), [8, 8, 6])))).toMatchObject({
          branch: (readBlock(canonicalize(blockModel(build(chapter), [8, 8, 6]))) as { branch: string[] }).branch,
        });
      }
    },
  );

  it('names the convention matched', () => {
    const name = (c: Preset, build = bottleneckVariant) =>
      describeConventions(summarize(blockModel(build(c), [8, 8, 6])).conventions);
    expect(name(torchvision)).toBe('torchvision: stride on the 3×3, conv bias off, BN on the projection');
    expect(name(keras)).toMatch(
      /^Keras ResNet \/ the ResNet paper: stride on the first 1×1, conv bias on, BN on the projection, ReLU as activation\('relu'\)$/,
    );
    expect(name(preactivated, preactVariant)).toMatch(
      /^the identity-mappings paper.*projection reads the pre-activated x/,
    );
    expect(name(port)).toMatch(/port of the chapter's PyTorch.*explicit zero-padding/);
    expect(name(chapter)).toBe('stride on the 3×3, conv bias on, no BN on the projection');
  });

  it('reads a whole network as stem, blocks and head, in every convention', () => {
    const want = summarize(exercisesIn(chapter).preactResnet18({ inputShape: [32, 32, 1] }));
    for (const c of CONVENTIONS) {
      const got = summarize(exercisesIn(c).preactResnet18({ inputShape: [32, 32, 1] }));
      expect(got.layout, c.name).toEqual(want.layout);
      expect(got.shapes, c.name).toEqual(want.shapes);
    }
    const layout = want.layout;
    if ('error' in layout) throw new Error(layout.error);
    expect(layout.stem).toEqual(['Conv7x7/2', 'BN', 'ReLU', 'MaxPool3x3/2']);
    expect(layout.head).toEqual(['BN', 'ReLU', 'GlobalAvgPool', 'Dense']);
    expect(layout.blocks).toHaveLength(8);
    expect(layout.blocks[2]).toMatchObject({ shortcut: ['Conv1x1/2'], after: [] });
    const deep = netLayout(canonicalize(exercisesIn(keras).bottleneckResnet(50, { inputShape: [32, 32, 1] })));
    if ('error' in deep) throw new Error(deep.error);
    expect(deep.head).toEqual(['GlobalAvgPool', 'Dense']);
    expect(deep.blocks[3]).toMatchObject({
      branch: ['Conv1x1', 'BN', 'ReLU', 'Conv3x3/2', 'BN', 'ReLU', 'Conv1x1', 'BN'],
      shortcut: ['Conv1x1/2'],
      after: ['ReLU'],
    });
  });

  it('keeps a global max-pool or flatten head, a fused ReLU before BN, and other padding visible', () => {
    const x = tf.input({ shape: [8, 8, 3] });
    const ap = (l: tf.layers.Layer, t: T) => l.apply(t) as T;
    const fused = ap(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), x);
    const y = ap(tf.layers.batchNormalization(), fused);
    const padded = ap(tf.layers.conv2d({ filters: 4, kernelSize: 3 }), ap(tf.layers.zeroPadding2d({ padding: 2 }), y));
    const unpadded = ap(tf.layers.conv2d({ filters: 4, kernelSize: 3 }), padded);
    const out = ap(tf.layers.dense({ units: 2 }), ap(tf.layers.globalMaxPooling2d({}), unpadded));
    const g = canonicalize(tf.model({ inputs: x, outputs: out }));
    expect(g.nodes.map((n) => n.kind)).toEqual([
      'Input',
      'Conv3x3',
      'ReLU',
      'BN',
      'ZeroPad(2,2;2,2)',
      'Conv3x3 valid',
      'Conv3x3 valid',
      'GlobalMaxPool',
      'Dense',
    ]);
    expect(describeConventions(g.conventions)).toMatch(/ReLU as the layer's own activation: 'relu'/);
    // A conv's canonical count leaves its bias out.
    expect(g.nodes.find((n) => n.kind === 'Conv3x3')?.trainable).toBe(3 * 3 * 3 * 4);
  });

  it("accepts as 'same' exactly TF's split or ⌊k/2⌋ on each side with the same output size", () => {
    /** ZeroPadding2D([[before, after], [before, after]]) before a k×k window, stride s, on an n×n input. */
    const square = (before: number, after: number, k: number, s: number, n: number) =>
      paddingIsSame(
        [
          [before, after],
          [before, after],
        ],
        [k, k],
        [s, s],
        [n, n],
      );
    expect(square(1, 1, 3, 1, 6)).toBe(true); // PyTorch's padding=1 before a 3×3
    expect(square(3, 3, 7, 2, 96)).toBe(true); // the stem's padding=3 (Keras ResNet50's ZeroPadding2D(3))
    expect(square(2, 3, 7, 2, 96)).toBe(true); // TF's own split for 'same'
    expect(square(0, 2, 3, 1, 6)).toBe(false); // same size, shifted image
    expect(square(2, 2, 3, 1, 6)).toBe(false); // a larger output
  });

  it('counts conv bias on some convolutions only (Keras ResNetV2) as a convention, not a difference', () => {
    const x = tf.input({ shape: [6, 6, 4] });
    const ap = (l: tf.layers.Layer, t: T | T[]) => l.apply(t) as T;
    const pre = ap(tf.layers.reLU(), ap(tf.layers.batchNormalization(), x));
    const c1 = ap(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }), pre);
    const c2 = ap(
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
      ap(tf.layers.reLU(), ap(tf.layers.batchNormalization(), c1)),
    );
    const model = tf.model({ inputs: x, outputs: ap(tf.layers.add(), [c2, x]) as T });
    const want = summarize(blockModel(preactVariant(chapter), [6, 6, 4]));
    const got = summarize(model);
    expect(describeConventions(got.conventions)).toBe('conv bias on 1 of 2 convolutions');
    expect(got.counts.total).toBe(got.rows.reduce((s, r) => s + r.total, 0) + 4);
    expect(want.rows.length).toBeGreaterThan(0);
  });
});
