import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { cpuReference } from './cpu-reference.ts';

type Case = {
  shape: [number, number, number, number];
  size: number;
  stride: number;
  pad: 'same' | 'valid';
  ties?: boolean;
};
const CASES: Case[] = [
  { shape: [2, 12, 12, 8], size: 3, stride: 2, pad: 'same' }, // ResNet's stem pool
  { shape: [1, 9, 7, 3], size: 3, stride: 2, pad: 'same' }, // odd sizes: bottom/right padding
  { shape: [2, 8, 8, 5], size: 2, stride: 2, pad: 'valid' },
  { shape: [1, 7, 7, 4], size: 3, stride: 1, pad: 'same' }, // overlapping windows accumulate
  { shape: [1, 6, 6, 2], size: 3, stride: 2, pad: 'same', ties: true }, // equal values: first maximum wins
];

function gradient(c: Case): Float32Array {
  return tf.tidy(() => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(
      Float32Array.from({ length: n }, (_, i) => (c.ties ? Math.floor(i / 7) % 3 : Math.sin(i * 1.7) * 10)),
      c.shape,
    );
    const pool = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.size, c.stride, c.pad);
    const outShape = pool(x).shape;
    // A different weight per output, so a gradient sent to the wrong input shows.
    const weights = tf
      .sin(
        tf.range(
          0,
          outShape.reduce((a, b) => a * b, 1),
        ),
      )
      .reshape(outShape);
    return tf
      .grad((t) => tf.sum(tf.mul(pool(t), weights)))(x)
      .dataSync() as Float32Array;
  });
}

describe('wasm MaxPoolGrad', () => {
  const expected = cpuReference(CASES, gradient);

  it.each(CASES.map((c, i) => [i, c] as const))('case %i %o equals the cpu backend', (i, c) => {
    const got = gradient(c);
    const want = expected[i] as Float32Array;
    expect(got.length).toBe(want.length);
    for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k] as number, 5);
  });

  it('is the kernel in use (not the stock one)', () => {
    expect(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc.name).toBe('maxPoolGrad');
  });
});
