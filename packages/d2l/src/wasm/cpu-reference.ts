// For the wasm kernel tests: compute every case on the cpu backend first (the reference), then
// switch to wasm with our kernels registered for the test bodies, and put the stock kernels back
// afterwards. Call inside a `describe`.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll } from 'vitest';
import { registerWasmTraining, unregisterWasmTraining } from './index.ts';

/** The cpu backend's results, one per case, filled before the tests run. */
export function cpuReference<C, R>(cases: readonly C[], compute: (c: C) => R): R[] {
  const results: R[] = [];
  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const c of cases) results.push(compute(c));
    await tf.setBackend('wasm');
    registerWasmTraining();
  });
  afterAll(() => unregisterWasmTraining());
  return results;
}
