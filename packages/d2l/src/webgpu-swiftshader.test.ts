// The webgpu path on a real (software) Vulkan GPU: SwiftShader under Dawn. It must be recognised as a
// software adapter (auto prefers a CPU backend to it; by name it runs, as a CPU-class device), and the
// book's training loop (trainCh6: SGD steps, then the test accuracy) must give on it what it gives on the
// cpu backend. Tolerance: every loss equal to 4 decimals, and max |w − w_cpu| / max |w_cpu| below 1e-4 for
// every weight tensor (BN moving statistics included), the figure the wasm and onednn backends are held
// to; measured on SwiftShader 5.0.0 (2026-12-03): the same losses to every digit, weights within 1.2e-7.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { relError } from './kernel-cases.ts';
import { swiftshaderEnv } from './test-swiftshader.ts';

const env = swiftshaderEnv('packages/d2l/src/webgpu-swiftshader.test.ts');

interface Run {
  losses: number[];
  testAcc: number;
  device: string;
  weights: number[][];
}
type Bytes = { used: number; allocated: number; tensors: number };

// In a child: Dawn keeps a process alive while it holds a device, and this one must never hold one.
function runChild(): {
  auto: { name: string; skipped: string[] };
  info: { name: string; device: string; gpu: boolean; softwareGpu?: boolean };
  want: Run;
  got: Run;
  again: Run;
  pool: Record<'before' | 'trimmed' | 'after', Bytes>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'd2l-swiftshader-'));
  const url = (file: string) => JSON.stringify(new URL(file, import.meta.url).href);
  const tfUrl = JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('@tensorflow/tfjs')).href);
  const out = join(dir, 'out.json');
  const script = join(dir, 'swiftshader.mts');
  writeFileSync(
    script,
    `import * as tf from ${tfUrl};
import { writeFileSync } from 'node:fs';
import { BACKEND_PATHS, releaseBackend, selectBackend, trimBackendMemory, useBackend } from ${url('./backend.ts')};
import { loadDataFashionMnist } from ${url('./fashion-mnist.ts')};
import { smallNet } from ${url('./kernel-cases.ts')};
import { trainCh6 } from ${url('./train.ts')};
// auto's walk over webgpu, wasm and cpu (the native paths left out, so that webgpu is reached).
const auto = await selectBackend('auto', { paths: BACKEND_PATHS.filter((p) => ['webgpu', 'wasm', 'cpu'].includes(p.backend)), tryWebgpu: true });
// Two SGD steps of batch 16 and the test accuracy on 16 images, from the same fixed weights and the same
// batches (a fresh iterator: each pass over one shuffles anew) on each backend.
const steps = async (backend) => {
  const data = await loadDataFashionMnist({ batchSize: 16, subset: { train: 32, test: 16 }, resize: 16, seed: 0 });
  const net = smallNet();
  const losses = [];
  const result = await trainCh6(net, data.train, data.test, { numEpochs: 1, lr: 0.05, init: false, quiet: true, backend, onBatch: (_e, _b, _n, loss) => losses.push(loss) });
  const weights = (await Promise.all(net.getWeights().map((w) => w.data()))).map((w) => Array.from(w));
  net.dispose();
  return { losses, testAcc: result.history[0].testAcc, device: result.device, weights };
};
const want = await steps(await useBackend('cpu'));
const info = await useBackend('webgpu');
const got = await steps(info);
// The buffer pool: trimming frees what no tensor holds, and the pool keeps working afterwards.
const bytes = () => { const m = tf.memory(); return { used: m.numBytesInGPU, allocated: m.numBytesAllocatedInGPU, tensors: m.numTensors }; };
const pool = { before: bytes() };
trimBackendMemory();
pool.trimmed = bytes();
const again = await steps(info);
trimBackendMemory();
pool.after = bytes();
await releaseBackend();
writeFileSync(${JSON.stringify(out)}, JSON.stringify({ auto, info, want, got, again, pool }));`,
  );
  const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
  try {
    const run = spawnSync(tsx, [script], { env, encoding: 'utf8', timeout: 300_000 });
    expect(run.error, 'the child hung: Dawn kept it alive or SwiftShader stalled').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectSameRun(got: Run, want: Run): void {
  expect(got.losses).toHaveLength(2);
  for (const [i, loss] of got.losses.entries()) expect(loss).toBeCloseTo(want.losses[i] as number, 4);
  expect(got.testAcc).toBe(want.testAcc);
  expect(got.weights).toHaveLength(want.weights.length);
  for (const [i, w] of got.weights.entries()) {
    const error = relError(Float32Array.from(w), Float32Array.from(want.weights[i] as number[]));
    expect(error, `weight ${i}`).toBeLessThan(1e-4);
  }
}

describe.skipIf(!env)('webgpu on SwiftShader (a software GPU)', () => {
  it('is a software GPU that auto passes over, and trains to the cpu backend’s losses and weights', () => {
    const { auto, info, want, got, again, pool } = runChild();
    expect(auto.name).toBe('wasm');
    expect(auto.skipped.join('\n')).toMatch(
      /^webgpu: software adapter \(google swiftshader .*\): slower than the CPU backends, so auto does not pick it/m,
    );
    expect(info).toMatchObject({ name: 'webgpu', gpu: false, softwareGpu: true });
    expect(info.device).toMatch(/^gpu:0 \(webgpu, software adapter: google swiftshader SwiftShader driver/);
    expect(got.device).toBe(info.device); // the loop's closing line names the adapter
    expectSameRun(got, want);
    expectSameRun(again, want);
    // The loop left no tensor behind, only buffers in the pool; trimming gives back exactly those, and the
    // pool still works after.
    expect(pool.before.tensors).toBe(0);
    expect(pool.before.allocated).toBeGreaterThan(pool.before.used);
    expect(pool.trimmed).toEqual({ ...pool.before, allocated: pool.before.used });
    expect(pool.after).toEqual(pool.trimmed);
  });
});
