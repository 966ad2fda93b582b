import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { trainSmallNet as train } from '../kernel-cases.ts';
import { registerWasmTraining, unregisterWasmTraining } from './index.ts';

describe('training on wasm', () => {
  afterAll(() => unregisterWasmTraining());

  it('gives the cpu backend’s losses and weights after 4 steps (within 1e-4)', async () => {
    await tf.setBackend('cpu');
    const want = await train();
    await tf.setBackend('wasm');
    registerWasmTraining();
    const got = await train();
    for (const [i, loss] of got.losses.entries()) expect(loss).toBeCloseTo(want.losses[i] as number, 4);
    for (const [i, w] of got.weights.entries()) {
      const ref = want.weights[i] as Float32Array;
      const scale = Math.max(1e-6, ...ref.map(Math.abs));
      const err = Math.max(...w.map((v, j) => Math.abs(v - (ref[j] as number))));
      expect(err / scale).toBeLessThan(1e-4);
    }
  });
});
