import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  adapterName,
  type BackendPath,
  BackendUnavailableError,
  dawnReason,
  fallbackNote,
  INSTALL_HINTS,
  isSoftwareAdapter,
  nativePackageProblem,
  releaseBackend,
  SOFTWARE_GPU_SKIPPED,
  selectBackend,
  tensorflowDevice,
  throttleDawnPolling,
  useBackend,
  WEBGPU_NOT_PROBED,
  webgpuDevice,
} from './backend.ts';

// Fake paths in the real order; each records whether it was tried.
function fakePaths(works: Partial<Record<string, boolean>>) {
  const tried: string[] = [];
  const path = (backend: BackendPath['backend'], label: string, gpu: boolean): BackendPath => ({
    backend,
    label,
    load: async () => {
      tried.push(label);
      if (!works[label]) throw new Error(`${label} failed to load\n    at someStackFrame (file.js:1:1)`);
      return { device: `${label} device`, gpu };
    },
  });
  const paths = [
    path('tensorflow', 'tensorflow-gpu', true),
    path('tensorflow', 'tensorflow-cpu', false),
    path('onednn', 'onednn', false),
    path('webgpu', 'webgpu', true),
    path('wasm', 'wasm', false),
    path('cpu', 'cpu', false),
  ];
  return { paths, tried };
}

describe('selectBackend (injected loaders, no GPU needed)', () => {
  it('auto picks tensorflow on the GPU first and does not try the CPU build', async () => {
    const { paths, tried } = fakePaths({ 'tensorflow-gpu': true, 'tensorflow-cpu': true, wasm: true, cpu: true });
    const info = await selectBackend('auto', { paths, tryWebgpu: false });
    expect(info).toEqual({ name: 'tensorflow', device: 'tensorflow-gpu device', gpu: true, skipped: [] });
    expect(tried).toEqual(['tensorflow-gpu']);
  });

  it('auto takes tensorflow on the CPU when only tfjs-node loads', async () => {
    const { paths } = fakePaths({ 'tensorflow-cpu': true, wasm: true });
    const info = await selectBackend('auto', { paths, tryWebgpu: false });
    expect(info.name).toBe('tensorflow');
    expect(info.gpu).toBe(false);
    expect(info.skipped).toEqual(['tensorflow-gpu: tensorflow-gpu failed to load']);
  });

  it('falls back to wasm with one one-line reason per skipped path', async () => {
    const { paths, tried } = fakePaths({ wasm: true, cpu: true });
    const info = await selectBackend('auto', { paths, tryWebgpu: false });
    expect(info.name).toBe('wasm');
    expect(info.gpu).toBe(false);
    expect(info.skipped).toEqual([
      'tensorflow-gpu: tensorflow-gpu failed to load',
      'tensorflow-cpu: tensorflow-cpu failed to load',
      'onednn: onednn failed to load',
      WEBGPU_NOT_PROBED,
    ]);
    for (const line of info.skipped) expect(line).not.toContain('\n');
    expect(tried).not.toContain('webgpu');
  });

  it('auto takes the native oneDNN kernels right after tensorflow, before webgpu and wasm', async () => {
    const { paths, tried } = fakePaths({ onednn: true, webgpu: true, wasm: true });
    const info = await selectBackend('auto', { paths, tryWebgpu: true });
    expect(info).toMatchObject({ name: 'onednn', gpu: false, device: 'onednn device' });
    expect(tried).toEqual(['tensorflow-gpu', 'tensorflow-cpu', 'onednn']);
  });

  it('probes webgpu in auto only when enabled, by option or D2L_TRY_WEBGPU=1', async () => {
    const byOption = fakePaths({ webgpu: true, wasm: true });
    const info = await selectBackend('auto', { paths: byOption.paths, tryWebgpu: true });
    expect(info).toMatchObject({ name: 'webgpu', gpu: true });
    expect(byOption.tried).toEqual(['tensorflow-gpu', 'tensorflow-cpu', 'onednn', 'webgpu']);

    const byEnv = fakePaths({ webgpu: true, wasm: true });
    vi.stubEnv('D2L_TRY_WEBGPU', '1');
    try {
      expect((await selectBackend('auto', { paths: byEnv.paths })).name).toBe('webgpu');
    } finally {
      vi.unstubAllEnvs();
    }
    const off = fakePaths({ webgpu: true, wasm: true });
    expect((await selectBackend('auto', { paths: off.paths })).name).toBe('wasm');
    expect(off.tried).not.toContain('webgpu');
  });

  it('a named backend is tried even when auto would skip it, and only its own paths run', async () => {
    const { paths, tried } = fakePaths({ webgpu: true, 'tensorflow-gpu': true });
    expect((await selectBackend('webgpu', { paths, tryWebgpu: false })).name).toBe('webgpu');
    expect(tried).toEqual(['webgpu']);
  });

  it('a named backend that cannot load throws BackendUnavailableError: one line, with the install hint', async () => {
    const { paths } = fakePaths({ wasm: true });
    const err = await selectBackend('tensorflow', { paths }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const e = err as BackendUnavailableError;
    expect(e.backend).toBe('tensorflow');
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain('tensorflow-gpu: tensorflow-gpu failed to load');
    expect(e.message).toContain('tensorflow-cpu: tensorflow-cpu failed to load');
    expect(e.message).toContain(INSTALL_HINTS.tensorflow);
    await expect(selectBackend('webgpu', { paths })).rejects.toThrow(INSTALL_HINTS.webgpu);
  });

  it('stops on a bad D2L_WASM_THREADS instead of skipping wasm for the cpu backend', async () => {
    const { paths, tried } = fakePaths({ wasm: true, cpu: true });
    const saved = process.env.D2L_WASM_THREADS;
    process.env.D2L_WASM_THREADS = 'two';
    try {
      await expect(selectBackend('auto', { paths, tryWebgpu: false })).rejects.toThrow(
        'D2L_WASM_THREADS must be a whole number ≥ 1 (got "two"); unset it to use every core',
      );
      await expect(selectBackend('cpu', { paths })).resolves.toMatchObject({ name: 'cpu' });
    } finally {
      if (saved === undefined) delete process.env.D2L_WASM_THREADS;
      else process.env.D2L_WASM_THREADS = saved;
    }
    expect(tried).toEqual(['cpu']);
  });

  it('rejects unknown backend names with the list of choices', async () => {
    await expect(selectBackend('cuda' as never)).rejects.toThrow(
      "unknown backend 'cuda': choose one of auto, tensorflow, onednn, webgpu, wasm, cpu",
    );
  });

  it('auto never picks a software GPU over a CPU backend; by name it runs, as a CPU-class device', async () => {
    const { paths, tried } = fakePaths({ webgpu: true, wasm: true });
    const software = paths.map((p) =>
      p.backend === 'webgpu'
        ? {
            ...p,
            load: async () => {
              await p.load();
              return { device: 'gpu:0 (webgpu, software adapter: google swiftshader)', gpu: false, softwareGpu: true };
            },
          }
        : p,
    );
    const auto = await selectBackend('auto', { paths: software, tryWebgpu: true });
    expect(auto.name).toBe('wasm');
    expect(auto.skipped).toContain(
      `webgpu: software GPU (gpu:0 (webgpu, software adapter: google swiftshader)): ${SOFTWARE_GPU_SKIPPED}`,
    );
    expect(tried).toContain('webgpu');
    const named = await selectBackend('webgpu', { paths: software });
    expect(named).toMatchObject({ name: 'webgpu', gpu: false, softwareGpu: true });
  });

  it('tells each loader when auto is walking, so webgpu can refuse a software adapter before Dawn starts', async () => {
    const seen: unknown[] = [];
    const path = (backend: BackendPath['backend']): BackendPath => ({
      backend,
      label: backend,
      load: async (options) => {
        seen.push(options);
        return { device: backend, gpu: false };
      },
    });
    await selectBackend('auto', { paths: [path('wasm')] });
    await selectBackend('wasm', { paths: [path('wasm')] });
    expect(seen).toEqual([{ refuseSoftwareGpu: true }, {}]);
  });

  it('says so plainly when nothing loads at all', async () => {
    const { paths } = fakePaths({});
    await expect(selectBackend('auto', { paths, tryWebgpu: false })).rejects.toThrow(
      /^no TF.js backend could load: tensorflow-gpu: .* \| cpu: cpu failed to load$/,
    );
  });
});

describe('fallback note', () => {
  it('a CPU run names the path that ran, why native TensorFlow did not, and how to get it', async () => {
    const { paths } = fakePaths({ wasm: true });
    const info = await selectBackend('auto', { paths, tryWebgpu: false });
    const note = fallbackNote(info)!;
    expect(note).toContain('the CPU path ran (wasm: wasm device)');
    expect(note).toContain('tensorflow-gpu failed to load');
    expect(note).toContain(INSTALL_HINTS.tensorflow);
    expect(note).toContain('Native oneDNN kernels off (onednn failed to load)');
    expect(note).not.toContain('\n');
  });

  it('a GPU run has no note, and native TensorFlow on the CPU points at the GPU docs', async () => {
    expect(fallbackNote({ name: 'tensorflow', device: 'gpu:0', gpu: true, skipped: [] })).toBeUndefined();
    const note = fallbackNote({ name: 'tensorflow', device: 'cpu (tensorflow)', gpu: false, skipped: [] });
    expect(note).toContain('docs/gpu.md');
    expect(note).not.toContain('Native TensorFlow unavailable');
  });

  it('a software GPU run says the CPU does the work and the CPU training profile applies', () => {
    const note = fallbackNote({
      name: 'webgpu',
      ...webgpuDevice({ vendor: 'google', architecture: 'swiftshader' }),
      skipped: [],
    });
    expect(note).toMatch(
      /^note: webgpu runs on a software GPU \(gpu:0 \(webgpu, software adapter: google swiftshader\)\)/,
    );
    expect(note).toContain('CPU training profile');
  });

  it('useBackend prints the note for auto unless quiet, and never for a named backend', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { paths } = fakePaths({ wasm: true });
      await useBackend('auto', { paths, tryWebgpu: false });
      expect(write).toHaveBeenCalledTimes(1);
      expect(String(write.mock.calls[0]?.[0])).toMatch(/^note: no GPU backend; the CPU path ran/);
      await useBackend('auto', { paths, tryWebgpu: false, quiet: true });
      await useBackend('wasm', { paths });
      expect(write).toHaveBeenCalledTimes(1);
    } finally {
      write.mockRestore();
    }
  });
});

describe('nativePackageProblem', () => {
  const root = mkdtempSync(join(tmpdir(), 'd2l-native-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const fakePackage = (name: string, binding: boolean) => {
    const dir = join(root, name);
    mkdirSync(join(dir, 'lib', 'napi-v8'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{}');
    if (binding) writeFileSync(join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
    return (id: string) => join(dir, id.slice(id.lastIndexOf('/') + 1));
  };

  it('tells "not installed" apart from "installed without its binding"', () => {
    const missing = nativePackageProblem('@tensorflow/tfjs-node', () => {
      throw new Error("Cannot find module '@tensorflow/tfjs-node/package.json'");
    });
    const noBinding = nativePackageProblem('@tensorflow/tfjs-node', fakePackage('no-binding', false));
    expect(missing).toBe('@tensorflow/tfjs-node is not installed (optional dependency)');
    expect(noBinding).toMatch(/^@tensorflow\/tfjs-node has no native binding/);
    expect(noBinding).not.toBe(missing);
  });

  it('accepts a package whose binding is in place', () => {
    expect(nativePackageProblem('@tensorflow/tfjs-node-gpu', fakePackage('with-binding', true))).toBeUndefined();
  });
});

describe('tensorflowDevice', () => {
  it('claims a GPU only when the binding says it uses one, and names it', () => {
    expect(tensorflowDevice('@tensorflow/tfjs-node-gpu', true, 'NVIDIA H100 80GB HBM3')).toEqual({
      device: 'gpu:0 (tensorflow, CUDA, NVIDIA H100 80GB HBM3)',
      gpu: true,
    });
    expect(tensorflowDevice('@tensorflow/tfjs-node-gpu', true)).toEqual({
      device: 'gpu:0 (tensorflow, CUDA)',
      gpu: true,
    });
    const noCuda = tensorflowDevice('@tensorflow/tfjs-node-gpu', false, 'ignored');
    expect(noCuda.gpu).toBe(false);
    expect(noCuda.device).toContain('no CUDA 11.2/cuDNN 8.1 GPU found');
    expect(tensorflowDevice('@tensorflow/tfjs-node', true).gpu).toBe(false);
  });
});

describe('webgpu adapters', () => {
  const swiftshader = {
    vendor: 'google',
    architecture: 'swiftshader',
    device: 'swiftshader-device-subzero-',
    description: 'SwiftShader driver 5.0.0',
    isFallbackAdapter: true,
  };

  it('a fallback adapter, or one named after a software renderer, is a software GPU', () => {
    expect(isSoftwareAdapter(swiftshader)).toBe(true);
    expect(isSoftwareAdapter({ ...swiftshader, isFallbackAdapter: undefined })).toBe(true); // older Dawn: no flag
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA A100' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'intel', architecture: 'gen-12lp', isFallbackAdapter: false })).toBe(false);
    expect(isSoftwareAdapter({ device: 'null-backend' })).toBe(false); // Dawn's null adapter: no renderer at all
  });

  it('the device line names the adapter, and only a hardware one counts as a GPU', () => {
    expect(adapterName(swiftshader)).toBe('google swiftshader SwiftShader driver 5.0.0');
    expect(webgpuDevice(swiftshader)).toEqual({
      device: 'gpu:0 (webgpu, software adapter: google swiftshader SwiftShader driver 5.0.0)',
      gpu: false,
      softwareGpu: true,
    });
    expect(webgpuDevice({ vendor: 'nvidia', architecture: 'ampere' })).toEqual({
      device: 'gpu:0 (webgpu, nvidia ampere)',
      gpu: true,
    });
    expect(webgpuDevice({ device: 'null-backend' }).device).toBe('gpu:0 (webgpu, null-backend)');
  });
});

describe("throttling Dawn's wait loop", () => {
  // Dawn waits for the GPU by rescheduling a native callback with setImmediate until the work is done.
  const waitLoop = (ms: number) =>
    new Promise<{ polls: number; js: number }>((resolve) => {
      const end = performance.now() + ms;
      let polls = 0;
      let js = 0;
      const poll = function (this: unknown) {
        polls++;
        if (performance.now() < end) setImmediate(native);
        else resolve({ polls, js });
      };
      const native = poll.bind(null); // a bound function prints as native code, as Dawn's callback does
      setImmediate(native);
      // A JavaScript callback scheduled meanwhile keeps its immediate turn.
      setTimeout(() => setImmediate(() => js++), 10);
    });

  it("spaces a long wait's polls a millisecond apart after 2 ms, and leaves JavaScript callbacks alone", async () => {
    const busy = await waitLoop(40);
    throttleDawnPolling();
    throttleDawnPolling(); // idempotent
    const throttled = await waitLoop(40);
    expect(busy.polls).toBeGreaterThan(500);
    expect(throttled.polls).toBeLessThan(busy.polls / 4);
    expect(throttled.polls).toBeGreaterThan(5); // it still polls until the work is done
    expect(throttled.js).toBe(1);
  });
});

describe('dawnReason', () => {
  it("keeps Dawn's own warning and drops desktop-session noise", () => {
    const stderr = [
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
      ' - While initializing adapter (backend=BackendType::Vulkan)',
    ].join('\n');
    expect(dawnReason(stderr)).toBe('Vulkan shaderUniform*ArrayDynamicIndexing required.');
    expect(dawnReason('')).toBe('no GPU, or no Vulkan/Metal/D3D12 driver');
  });
});

describe('real loaders (cpu and wasm only)', () => {
  it('cpu and wasm activate and report a CPU device', async () => {
    const cpu = await useBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(cpu).toMatchObject({ name: 'cpu', gpu: false });
    const wasm = await useBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.device).toContain('wasm');
    await releaseBackend(); // no GPU was taken: a no-op that leaves the backend alone
    expect(tf.getBackend()).toBe('wasm');
    await useBackend('cpu');
  });

  it.skipIf(nativePackageProblem('@tensorflow/tfjs-node') === undefined)(
    'tensorflow by name fails with both reasons when tfjs-node has no binding',
    async () => {
      const err = await useBackend('tensorflow').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendUnavailableError);
      expect((err as Error).message).toMatch(/tensorflow-gpu: .*; tensorflow-cpu: /);
      expect(tf.getBackend()).toBe('cpu');
    },
  );
});

describe("webgpu wiring on Dawn's null adapter (no GPU needed)", () => {
  // Dawn's "null" backend hands out an adapter that computes nothing: enough to check that navigator.gpu is
  // set before the TF.js backend registers, that releaseBackend gives the device back, and that the process
  // then exits. It runs in a child so that this process never holds a Dawn instance.
  const hasDawn = (() => {
    try {
      createRequire(import.meta.url).resolve('webgpu');
      return true;
    } catch {
      return false; // the optional package is absent: nothing to wire
    }
  })();
  it.skipIf(!hasDawn)(
    'registers, reports a GPU device, explains sync reads, releases, refuses reuse, and the process exits',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'd2l-webgpu-'));
      const script = join(dir, 'webgpu-null.mts');
      const backendUrl = new URL('./backend.ts', import.meta.url).href;
      const tfUrl = pathToFileURL(createRequire(import.meta.url).resolve('@tensorflow/tfjs')).href;
      writeFileSync(
        script,
        `import { currentBackend, releaseBackend, useBackend } from ${JSON.stringify(backendUrl)};
import * as tf from ${JSON.stringify(tfUrl)};
const info = await useBackend('webgpu');
const big = tf.add(tf.ones([64, 64]), 1); // large enough not to be forwarded to the CPU
const syncRead = (() => { try { big.dataSync(); return 'read'; } catch (e) { return e.message; } })();
const asyncRead = (await big.data()).length;
await releaseBackend();
const reuse = await useBackend('webgpu').then(() => 'reused', (e) => e.message);
console.log(JSON.stringify({ info, after: currentBackend() ?? null, gpu: globalThis.navigator?.gpu ?? null, reuse, syncRead, asyncRead }));`,
      );
      const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
      const run = spawnSync(tsx, [script], {
        env: { ...process.env, D2L_DAWN_FLAGS: 'backend=null' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      rmSync(dir, { recursive: true, force: true });
      expect(run.error).toBeUndefined(); // a hang would end in a timeout error here
      expect(run.status).toBe(0);
      const got = JSON.parse(run.stdout.trim().split('\n').pop()!);
      expect(got.info).toMatchObject({ name: 'webgpu', gpu: true });
      expect(got.info.device).toMatch(/^gpu:0 \(webgpu/);
      expect(got.after).toBeNull();
      expect(got.gpu).toBeNull();
      expect(got.reuse).toContain('the webgpu device was released in this process');
      expect(got.syncRead).toMatch(/^dataSync\(\)\/arraySync\(\) cannot read from the webgpu backend under Node/);
      expect(got.asyncRead).toBe(64 * 64);
    },
  );
});
