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
    // Both conventions of ResNet-50 (1 channel, 10 classes): conv bias on, and off (bias on 53 convs).
    const [on, off] = deep.cases[0]?.conventions ?? [];
    expect((on?.trainable ?? 0) - (off?.trainable ?? 0)).toBe(26560);
  });
});
