// The expected data is generated from each reference, never hand-edited: this fails when a committed file
// is stale (run `npx pnpm@10 assign`), and pins the published facts it must hold.
import { readFileSync } from 'node:fs';
import { listAssignments, loadAssignment, loadExpected } from '@course/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedFiles, loadConventions } from './expected.ts';

describe('expected data', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(listAssignments())(
    '%s: the committed files are what pnpm assign writes (every convention cross-checked)',
    async (name) => {
      const assignment = loadAssignment(name);
      for (const { file, text } of await expectedFiles(assignment)) expect(readFileSync(file, 'utf8')).toBe(text);
    },
  );

  it('resnet cross-checks every published convention, and whole networks with some of them', async () => {
    const conventions = await loadConventions(loadAssignment('resnet'));
    expect(conventions.map((c) => c.name)).toContain('torchvision');
    expect(conventions.length).toBeGreaterThanOrEqual(5);
    expect(conventions.filter((c) => c.networks !== false).length).toBeGreaterThanOrEqual(2);
  });

  it('holds the published chapter shapes and keeps hidden cases out of the public file', () => {
    const pub = loadExpected(loadAssignment('resnet').expectedFile).checks;
    const shapes = pub['preact.shapes'];
    if (shapes?.kind !== 'block-shapes') throw new Error('preact.shapes is not block-shapes');
    // The chapter: Residual(3) keeps [6,6,3]; Residual(6, use1x1conv, strides 2) gives [3,3,6].
    expect(shapes.cases.slice(0, 2).map((c) => c.output)).toEqual([
      [6, 6, 3],
      [3, 3, 6],
    ]);
    expect(Object.keys(pub).some((id) => id.startsWith('hidden.'))).toBe(false);
    const deep = pub['deep.params'];
    if (deep?.kind !== 'net-params') throw new Error('deep.params is not net-params');
    // ResNet-50 (1 channel, 10 classes) in canonical form, conv bias not counted: the chapter's 23,541,130
    // trainable less the 26,560 biases of its 53 convolutions (torchvision's count for this input).
    expect(deep.cases[0]?.reference.trainable).toBe(23_541_130 - 26_560);
    const layout = pub['deep.structure'];
    if (layout?.kind !== 'net-structure') throw new Error('deep.structure is not net-structure');
    expect(layout.cases[0]?.head).toEqual(['GlobalAvgPool', 'Dense']);
    expect(layout.cases[0]?.blocks.reduce((s, b) => s + b.count, 0)).toBe(16);
  });

  it("resnet-chapter holds the chapter's ResNet-18 anchor", () => {
    const pub = loadExpected(loadAssignment('resnet-chapter').expectedFile).checks;
    const params = Object.values(pub).find(
      (e) =>
        e.kind === 'net-params' &&
        e.cases.some((k) => k.reference.trainable + k.reference.convBias.trainable === 11_178_378),
    );
    expect(params).toBeDefined();
  });
});
