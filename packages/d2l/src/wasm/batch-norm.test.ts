import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { cpuReference } from './cpu-reference.ts';
import { registerWasmTraining, unregisterWasmTraining } from './index.ts';

function values(size: number, seed: number, offset = 0): Float32Array {
  let state = seed;
  return Float32Array.from({ length: size }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 2 - 1 + offset;
  });
}

// (TF.js 4.22 cannot differentiate batchNorm without a scale on any backend: its gradient saves
// `scale` and clones undefined. Keras always passes gamma in training.)
type Case = { shape: number[] };
const CASES: Case[] = [
  { shape: [4, 5, 6, 8] }, // a convolution's output
  { shape: [2, 3, 3, 1] }, // one channel
  { shape: [6, 7] }, // a dense layer's output
];

/** BN(x) and the gradients of Σ w·BN(x), as Keras computes BN in training: batch statistics from tf.moments. */
function gradients(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const ch = c.shape.at(-1) as number;
    const x = tf.tensor(values(n, 1, 0.5), c.shape);
    const gamma = tf.tensor1d(values(ch, 2, 1));
    const beta = tf.tensor1d(values(ch, 3));
    const w = tf.tensor(values(n, 4), c.shape);
    const axes = c.shape.slice(0, -1).map((_, i) => i);
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, axes);
      return tf.sum(tf.mul(w, tf.batchNorm(a, mean, variance, b, g, 1e-3)));
    };
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
    return [y, ...tf.grads(f)([x, gamma, beta])].map((t) => t.dataSync() as Float32Array);
  });
}

function relError(got: Float32Array, want: Float32Array): number {
  let err = 0;
  let scale = 1e-12;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return err / scale;
}

describe('BatchNorm and its gradients on wasm', () => {
  const expected = cpuReference(CASES, gradients);

  it.each(CASES.map((c, i) => [i, c] as const))(
    'case %i %o: y, dx, dγ, dβ equal the cpu backend within 1e-4',
    (i, c) => {
      const got = gradients(c);
      const want = expected[i] as Float32Array[];
      expect(got).toHaveLength(4);
      for (const [j, g] of got.entries()) expect(relError(g, want[j] as Float32Array)).toBeLessThan(1e-4);
    },
  );

  it('runs the fused kernel (one call per BatchNorm) instead of TF.js’s composite', async () => {
    const c = CASES[0] as Case;
    const info = await tf.profile(() => gradients(c));
    const names = info.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'D2lFusedBatchNormGrad')).toHaveLength(1);
  });

  it('gives the stock gradients back when unregistered', async () => {
    unregisterWasmTraining();
    const info = await tf.profile(() => gradients(CASES[0] as Case));
    expect(info.kernels.map((k) => k.name)).not.toContain('D2lFusedBatchNormGrad');
    registerWasmTraining();
  });
});
