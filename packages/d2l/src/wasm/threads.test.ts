import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend.ts';
import { wasmThreadsInUse, wasmThreadsProblem, wasmThreadsWanted } from './threads.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Runs threads.exit-fixture.ts in a fresh Node with these variables (threads.exit-fixture.ts says what they do). */
function runFixture(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(HERE, 'threads.exit-fixture.ts')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
}

describe('wasmThreadsWanted', () => {
  it('takes every core, at most 8, unless D2L_WASM_THREADS says otherwise', () => {
    expect(wasmThreadsWanted({}, 2)).toBe(2);
    expect(wasmThreadsWanted({}, 64)).toBe(8);
    expect(wasmThreadsWanted({ D2L_WASM_THREADS: '1' }, 16)).toBe(1);
    expect(wasmThreadsWanted({ D2L_WASM_THREADS: ' ' }, 3)).toBe(3);
  });
  it('rejects a count that is not a whole number ≥ 1, saying how to fix it', () => {
    expect(() => wasmThreadsWanted({ D2L_WASM_THREADS: 'two' }, 2)).toThrow(/D2L_WASM_THREADS must be a whole number/);
    expect(() => wasmThreadsWanted({ D2L_WASM_THREADS: '0' }, 2)).toThrow(/unset it to use every core/);
  });
});

describe('wasmThreadsProblem', () => {
  it('names a permission model without --allow-worker, and is silent when workers are allowed', () => {
    expect(wasmThreadsProblem({ has: (scope) => scope !== 'worker' })).toMatch(/not permitted \(--allow-worker\)/);
    expect(wasmThreadsProblem({ has: () => true })).toBeUndefined();
    expect(wasmThreadsProblem(undefined)).toBeUndefined();
  });
});

/** Forward, input gradient and filter gradient of one strided 3×3 convolution, on the current backend. */
function convAndGrads(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(
      Array.from({ length: 2 * 9 * 11 * 24 }, (_, i) => Math.sin(i * 0.37)),
      [2, 9, 11, 24],
    );
    const w = tf.tensor4d(
      Array.from({ length: 3 * 3 * 24 * 40 }, (_, i) => Math.cos(i * 0.11) * 0.2),
      [3, 3, 24, 40],
    );
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.relu(tf.conv2d(a, b, 2, 'same'));
    const y = f(x, w);
    const [dx, dw] = tf.grads((a, b) =>
      f(a as tf.Tensor4D, b as tf.Tensor4D)
        .square()
        .sum(),
    )([x, w]);
    return [y, dx, dw].map((t) => t?.dataSync() as Float32Array);
  });
}

function maxRelError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return err / scale;
}

describe('the threaded-SIMD wasm build under Node', () => {
  const saved = process.env.D2L_WASM_THREADS;
  let reference: Float32Array[];
  beforeAll(async () => {
    await useBackend('cpu', { quiet: true });
    reference = convAndGrads();
    process.env.D2L_WASM_THREADS = '2';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.D2L_WASM_THREADS;
    else process.env.D2L_WASM_THREADS = saved;
  });

  it('runs XNNPACK on 2 threads and says so in the device name', async () => {
    const info = await useBackend('wasm', { quiet: true });
    expect(await wasmThreadsInUse()).toBe(2);
    expect(info.device).toBe('cpu (wasm, XNNPACK, 2 threads)');
    // One pthread worker beside the main thread; the build's other 7 preloaded workers never started.
    const pool = (tf.backend() as unknown as { wasm: { PThread: Record<string, unknown[]> } }).wasm.PThread;
    expect(pool.runningWorkers).toHaveLength(1);
    expect(pool.unusedWorkers).toHaveLength(0);
  });

  it('gives the cpu backend’s convolution and both gradients within 1e-4', async () => {
    await useBackend('wasm', { quiet: true });
    const got = convAndGrads();
    for (let i = 0; i < got.length; i++) {
      expect(maxRelError(got[i] as Float32Array, reference[i] as Float32Array)).toBeLessThan(1e-4);
    }
  });

  it('lets the process exit on its own once the work is done (the pthread workers are unref’d)', () => {
    const out = runFixture({ D2L_WASM_THREADS: '2' });
    expect(out.error).toBeUndefined();
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('cpu (wasm, XNNPACK, 2 threads) 9');
  });
  it('leaves uncaught errors to Node: the report names the throw site, not a line of the glue code', () => {
    const out = runFixture({ D2L_WASM_THREADS: '2', FIXTURE_THROW: '1' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('Error: boom from user code');
    expect(out.stderr).not.toContain('GROWABLE_HEAP');
  });
  it('keeps a wasm backend that is already running (and its tensors) instead of replacing it', () => {
    const out = runFixture({ D2L_WASM_THREADS: '2', FIXTURE_STOCK_FIRST: '1' });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('cpu (wasm, XNNPACK, 1 thread) 9 early 4,5,6');
  });
  it('falls back to the package’s single-threaded factory when asked to (restoreStockWasm)', () => {
    const out = runFixture({ D2L_WASM_THREADS: '2', FIXTURE_RESTORE: '1' });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('restored: 1 thread');
    expect(out.stdout).toContain('cpu (wasm, XNNPACK, 1 thread) 9');
  });
});
