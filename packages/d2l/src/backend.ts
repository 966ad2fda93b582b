// Backend choice, as the book's `try_gpu`: the best engine this machine can run, never a silent downgrade.
// Order for 'auto': tensorflow (GPU, then CPU) → webgpu → wasm → cpu. Each skipped path leaves a
// one-line reason in `skipped`, so every report can say what ran and why the others did not.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendName = Exclude<BackendChoice, 'auto'>;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The TF.js backend that now runs every op. */
  name: BackendName;
  /** Human-readable device, e.g. "cpu (wasm, XNNPACK, SIMD)" or "gpu:0 (tensorflow CUDA)". */
  device: string;
  gpu: boolean;
  /** One line per path that 'auto' tried and skipped, with the reason. */
  skipped: string[];
}

export const INSTALL_HINTS: Record<BackendName, string> = {
  tensorflow:
    'install the native backend with network access: `npx pnpm@10 add -w @tensorflow/tfjs-node` (or tfjs-node-gpu with CUDA 11.2 + cuDNN 8.1); set TFJS_NODE_BASE_URI to use a mirror',
  webgpu: 'needs the `webgpu` npm package (Dawn) and a GPU with Vulkan/Metal/D3D12 drivers',
  wasm: 'reinstall dependencies: `npx pnpm@10 install` (the .wasm files ship in @tensorflow/tfjs-backend-wasm)',
  cpu: 'the cpu backend ships with @tensorflow/tfjs and is always available',
};

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
  ) {
    super(`backend '${backend}' is not available here (${reason}); ${INSTALL_HINTS[backend]}`);
    this.name = 'BackendUnavailableError';
  }
}

const require = createRequire(import.meta.url);

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n').find((l) => l.trim() !== '') ?? text).trim().slice(0, 200);
}

/** Hooks run right after a backend becomes active (e.g. the wasm gradient kernels register here). */
const setupHooks = new Map<BackendName, Array<() => void | Promise<void>>>();
export function onBackendReady(name: BackendName, hook: () => void | Promise<void>): void {
  const list = setupHooks.get(name) ?? [];
  list.push(hook);
  setupHooks.set(name, list);
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  for (const hook of setupHooks.get(name) ?? []) await hook();
}

type Probe = () => Promise<{ device: string; gpu: boolean }>;

async function loadTensorflow(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<{ device: string; gpu: boolean }> {
  // A package whose install script could not download libtensorflow is present but has no binding.
  // Requiring it anyway registers half its kernels before throwing, so look for the binding first.
  let root: string;
  try {
    root = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`${pkg} is not installed`);
  }
  const lib = join(root, 'lib');
  const hasBinding =
    existsSync(lib) &&
    readdirSync(lib).some((d) => d.startsWith('napi-v') && existsSync(join(lib, d, 'tfjs_binding.node')));
  if (!hasBinding) throw new Error(`${pkg} has no native binding (its install could not download libtensorflow)`);
  require(pkg);
  await activate('tensorflow');
  const gpu = pkg.endsWith('-gpu');
  return { device: gpu ? 'gpu:0 (tensorflow, CUDA)' : 'cpu (tensorflow, libtensorflow)', gpu };
}

async function loadWebgpu(): Promise<{ device: string; gpu: boolean }> {
  const g = globalThis as Record<string, unknown>;
  if (!(g.navigator as { gpu?: unknown } | undefined)?.gpu) {
    const dawn = require('webgpu') as { create(flags: string[]): unknown; globals: object };
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]) as { requestAdapter(): Promise<unknown> };
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error('no WebGPU adapter found (no GPU, or no Vulkan driver)');
    // navigator is a getter on Node 21+, a plain global on Node 20.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  await activate('webgpu');
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  const what = [info?.vendor, info?.architecture].filter(Boolean).join(' ');
  return { device: `gpu:0 (webgpu${what ? `, ${what}` : ''})`, gpu: true };
}

async function loadWasm(): Promise<{ device: string; gpu: boolean }> {
  await import('@tensorflow/tfjs-backend-wasm');
  await activate('wasm');
  return { device: 'cpu (wasm, XNNPACK)', gpu: false };
}

async function loadCpu(): Promise<{ device: string; gpu: boolean }> {
  await activate('cpu');
  return { device: 'cpu (pure JavaScript)', gpu: false };
}

const PROBES: Record<BackendName, Probe[]> = {
  tensorflow: [() => loadTensorflow('@tensorflow/tfjs-node-gpu'), () => loadTensorflow('@tensorflow/tfjs-node')],
  webgpu: [loadWebgpu],
  wasm: [loadWasm],
  cpu: [loadCpu],
};

const AUTO_ORDER: BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

let current: BackendInfo | undefined;

/** The backend chosen last by `useBackend`, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

async function tryBackend(name: BackendName): Promise<{ device: string; gpu: boolean } | { error: string }> {
  const errors: string[] = [];
  for (const probe of PROBES[name]) {
    try {
      return await probe();
    } catch (err) {
      errors.push(firstLine(err));
    }
  }
  return { error: errors.join('; ') };
}

/**
 * Select a backend. 'auto' walks tensorflow → webgpu → wasm → cpu; a named backend that cannot load
 * throws BackendUnavailableError (one line, with the install hint).
 */
export async function useBackend(choice: BackendChoice = 'auto', options: { quiet?: boolean } = {}): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new Error(`unknown backend '${choice}': choose one of ${BACKEND_CHOICES.join(', ')}`);
  }
  if (choice !== 'auto') {
    const got = await tryBackend(choice);
    if ('error' in got) throw new BackendUnavailableError(choice, got.error);
    current = { name: choice, ...got, skipped: [] };
    return current;
  }
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    // The GPU-only webgpu path is skipped quietly unless asked for: probing Dawn costs time on CPU machines.
    if (name === 'webgpu' && process.env.D2L_TRY_WEBGPU !== '1') {
      skipped.push('webgpu: not probed by auto (set D2L_TRY_WEBGPU=1 or pass --backend webgpu)');
      continue;
    }
    const got = await tryBackend(name);
    if ('error' in got) {
      skipped.push(`${name}: ${got.error}`);
      if (name === 'tensorflow' && !options.quiet) {
        process.stderr.write(`note: native TensorFlow backend unavailable (${got.error.slice(0, 120)}); falling back. To get it: ${INSTALL_HINTS.tensorflow}\n`);
      }
      continue;
    }
    current = { name, ...got, skipped };
    return current;
  }
  throw new Error(`no TF.js backend could load: ${skipped.join(' | ')}`);
}

/** The book's `try_gpu()`: the GPU when one is usable, else the best CPU backend. */
export function tryGpu(): Promise<BackendInfo> {
  return useBackend('auto', { quiet: true });
}
