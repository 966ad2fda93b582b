import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forbidSyncReads, SyncReadError } from './sync-reads.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('forbidSyncReads', () => {
  it('makes dataSync, arraySync, bufferSync and print throw, as they do on webgpu under Node', () => {
    const t = tf.tensor([1, 2, 3]);
    restore = forbidSyncReads();
    expect(() => t.dataSync()).toThrow(SyncReadError);
    expect(() => t.arraySync()).toThrow(/use await tensor\.data\(\)/);
    expect(() => t.bufferSync()).toThrow(SyncReadError);
    expect(() => t.print()).toThrow(SyncReadError);
    t.dispose();
  });

  it('leaves asynchronous reads and the kernels (which read their inputs themselves) alone', async () => {
    restore = forbidSyncReads();
    const y = tf.tidy(() => tf.concat([tf.tile(tf.tensor([[1, 2]]), [2, 1]), tf.ones([1, 2])]));
    expect(Array.from(await y.data())).toEqual([1, 2, 1, 2, 1, 1]);
    expect(await y.array()).toEqual([
      [1, 2],
      [1, 2],
      [1, 1],
    ]);
    y.dispose();
  });

  it('puts synchronous reads back when restored', () => {
    const t = tf.tensor([4]);
    forbidSyncReads()();
    expect(Array.from(t.dataSync())).toEqual([4]);
    t.dispose();
  });
});
