import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { cpuReference } from './cpu-reference.ts';
import { leadingAxes } from './reduce.ts';

function values(size: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: size }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 4 - 1; // mean ≈ 1: relative error of a sum is meaningful
  });
}

type Case = { shape: number[]; axis: number | number[]; keepDims: boolean };
const CASES: Case[] = [
  { shape: [32, 7, 7, 64], axis: [0, 1, 2], keepDims: false }, // BatchNorm statistics
  { shape: [32, 7, 7, 64], axis: [0, 1, 2], keepDims: true },
  { shape: [5, 3, 11, 9], axis: [2, 1, 0], keepDims: false }, // unsorted axes, odd sizes
  { shape: [5, 3, 11, 9], axis: [-4, -3], keepDims: true }, // negative axes
  { shape: [32, 10], axis: 0, keepDims: false }, // a dense layer's bias gradient
  { shape: [2, 3, 4], axis: [0, 2], keepDims: false }, // not a prefix: stock kernel
  { shape: [2, 3, 4], axis: [1, 2], keepDims: false }, // trailing: stock kernel
  { shape: [1, 6, 4], axis: 0, keepDims: false }, // a single row: stock kernel
];

function reduce(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor(
      values(
        c.shape.reduce((a, b) => a * b, 1),
        c.shape.length,
      ),
      c.shape,
    );
    return [tf.sum(x, c.axis, c.keepDims), tf.mean(x, c.axis, c.keepDims)].map((t) => t.dataSync() as Float32Array);
  });
}

describe('leadingAxes', () => {
  it('counts a proper leading prefix of the axes and nothing else', () => {
    expect(leadingAxes([0, 1, 2], 4)).toBe(3);
    expect(leadingAxes([2, -3, 0], 4)).toBe(3);
    expect(leadingAxes(0, 2)).toBe(1);
    expect(leadingAxes([0, 2], 3)).toBe(0);
    expect(leadingAxes([1, 2], 3)).toBe(0);
    expect(leadingAxes([0, 1, 2], 3)).toBe(0); // everything: stock kernel
  });
});

describe('wasm Sum and Mean over leading axes', () => {
  const expected = cpuReference(CASES, reduce);

  it.each(CASES.map((c, i) => [i, c] as const))('case %i %o equals the cpu backend within 1e-5', (i, c) => {
    const got = reduce(c);
    for (const [j, want] of (expected[i] as Float32Array[]).entries()) {
      const have = got[j] as Float32Array;
      expect(have.length).toBe(want.length);
      const scale = Math.max(...want.map(Math.abs));
      for (let k = 0; k < want.length; k++)
        expect(Math.abs((have[k] as number) - (want[k] as number))).toBeLessThan(1e-5 * scale);
    }
  });

  it('keeps the shapes TF.js gives', () => {
    const x = tf.zeros([4, 3, 2, 5]);
    expect(tf.sum(x, [0, 1, 2], true).shape).toEqual([1, 1, 1, 5]);
    expect(tf.mean(x, [0, 1]).shape).toEqual([2, 5]);
    x.dispose();
  });
});
