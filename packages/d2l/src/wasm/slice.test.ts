import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { cpuReference } from './cpu-reference.ts';

type Case = { shape: number[]; begin: number[]; size: number[]; dtype?: 'float32' | 'int32' | 'bool' };
const CASES: Case[] = [
  { shape: [3, 3, 40, 24], begin: [1, 1, 0, 0], size: [1, 1, 40, 24] }, // one tap of a filter: contiguous
  { shape: [3, 3, 40, 24], begin: [0, 1, 0, 0], size: [3, 2, -1, -1] }, // runs of two taps
  { shape: [2, 9, 7, 32], begin: [0, 2, 1, 0], size: [2, 5, 4, 32] }, // a window of an activation
  { shape: [2, 9, 7, 32], begin: [1, 0, 0, 8], size: [1, 9, 7, 16] }, // some channels: runs of 16
  { shape: [2, 9, 7, 3], begin: [0, 1, 1, 0], size: [2, 3, 3, 3] }, // runs of 3: stock kernel
  { shape: [6, 50], begin: [2, 0], size: [3, 50], dtype: 'int32' },
  { shape: [4, 40], begin: [1, 0], size: [2, -1], dtype: 'bool' },
  { shape: [100], begin: [17], size: [40] },
  { shape: [5, 20], begin: [2, 0], size: [0, 20] }, // empty
];

function cut(c: Case): number[] {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Array.from({ length: n }, (_, i) => (c.dtype === 'bool' ? i % 3 : i)),
    c.shape,
    c.dtype ?? 'float32',
  );
  const y = tf.slice(x, c.begin, c.size);
  const got = [...y.shape, ...Array.from(y.dataSync() as ArrayLike<number>)].map(Number);
  tf.dispose([x, y]);
  return got;
}

describe('wasm Slice', () => {
  const expected = cpuReference(CASES, cut);

  it.each(CASES.map((c, i) => [i, c] as const))('case %i %o gives the cpu backend’s shape and values', (i, c) => {
    expect(cut(c)).toEqual(expected[i]);
  });

  it('frees nothing it does not own (tensor and buffer counts stay flat)', () => {
    const x = tf.range(0, 3 * 3 * 40 * 24).reshape([3, 3, 40, 24]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.slice(x, [1, 0, 0, 0], [1, 3, 40, 24]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(x.dataSync()[5]).toBe(5);
    x.dispose();
  });
});
