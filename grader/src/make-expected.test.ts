// The expected data is generated, never hand-edited: this fails when either file is stale.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HIDDEN_FILE, makeHidden, makePublic, PUBLIC_FILE, serialize } from '../scripts/make-expected.ts';
import { loadExpected } from './expected.ts';

describe('expected data', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches what make-expected.ts generates (run it after changing a case table)', () => {
    expect(readFileSync(PUBLIC_FILE, 'utf8')).toBe(serialize(makePublic()));
    expect(readFileSync(HIDDEN_FILE, 'utf8')).toBe(serialize(makeHidden()));
  });

  it('holds the published chapter shapes and keeps hidden cases out of the public file', () => {
    const pub = loadExpected(PUBLIC_FILE).checks;
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
    // The networks are checked by layer kind too: ResNet-50's head is global average pooling, then dense.
    const layout = pub['deep.structure'];
    if (layout?.kind !== 'net-structure') throw new Error('deep.structure is not net-structure');
    expect(layout.cases[0]?.head).toEqual(['GlobalAvgPool', 'Dense']);
    expect(layout.cases[0]?.blocks.reduce((s, b) => s + b.count, 0)).toBe(16);
  });
});
