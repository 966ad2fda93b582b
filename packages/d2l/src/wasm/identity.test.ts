import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTraining, unregisterWasmTraining } from './index.ts';

const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

describe('wasm Identity and same-dtype Cast share the buffer', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmTraining();
  });
  afterAll(() => unregisterWasmTraining());

  it('clones without a copy, and the clone outlives the original', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const before = buffers();
    const copies = [tf.clone(x), tf.cast(x, 'float32')];
    expect(buffers()).toBe(before); // no new buffer
    x.dispose();
    for (const c of copies) {
      expect(c.shape).toEqual([2, 3]);
      expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    }
    tf.dispose(copies);
    expect(buffers()).toBe(before - 1); // the last reference freed it
  });

  it('still converts when the dtype changes', () => {
    const x = tf.tensor1d([1.7, -2.2, 0]);
    const y = tf.cast(x, 'int32');
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([1, -2, 0]);
    tf.dispose([x, y]);
  });
});
