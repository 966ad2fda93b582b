// Backend choice, as the book's `try_gpu`: the best engine this machine can run, never a silent downgrade.
// Order for 'auto': tensorflow (GPU, then CPU) → onednn (native CPU kernels) → webgpu → wasm → cpu. Each skipped path leaves a
// one-line reason in `skipped`, so every report can say what ran and why the others did not.
// The walk itself (`selectBackend`) takes its paths as data, so the tests drive it with fake loaders
// and no GPU; the real loaders below are the only code that touches native packages.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { restoreLegacyUtil } from './node-util-legacy.ts';
import { registerThreadedWasm, restoreStockWasm, wasmThreadsInUse, wasmThreadsWanted } from './wasm/threads.ts';

export type BackendChoice = 'auto' | 'tensorflow' | 'onednn' | 'webgpu' | 'wasm' | 'cpu';
export type BackendName = Exclude<BackendChoice, 'auto'>;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'onednn', 'webgpu', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The TF.js backend that now runs every op. */
  name: BackendName;
  /** Human-readable device, e.g. "cpu (wasm, XNNPACK, SIMD)" or "gpu:0 (tensorflow CUDA)". */
  device: string;
  /** A hardware GPU runs the ops: the grader's long training profile and GPU-sized memory bounds. */
  gpu: boolean;
  /**
   * A GPU API served by a software renderer (SwiftShader, llvmpipe, WARP, a fallback adapter): the ops run
   * on the CPU, slower than the CPU backends, so it counts as a CPU for profiles and memory (`gpu` is false).
   */
  softwareGpu?: boolean;
  /** One line per path that 'auto' tried and skipped, with the reason. */
  skipped: string[];
}

export const INSTALL_HINTS: Record<BackendName, string> = {
  tensorflow:
    'with network access (or a mirror: TFJS_NODE_CDN_STORAGE), run `npx pnpm@10 rebuild -r @tensorflow/tfjs-node-gpu @tensorflow/tfjs-node` (the GPU build needs CUDA 11.2 + cuDNN 8.1); see docs/gpu.md',
  onednn:
    'install oneDNN and a C++ compiler (Debian/Ubuntu: `apt-get install libdnnl-dev g++`; Homebrew: `brew install onednn`; conda: `conda install -c conda-forge onednn`), then `npx pnpm@10 rebuild @course/onednn`; see docs/onednn-training.md',
  webgpu:
    'needs the `webgpu` npm package (Dawn) and a GPU with Vulkan/Metal/D3D12 drivers; check with `npx pnpm@10 backends` (see docs/gpu.md)',
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

/** What a loader reports once its backend is active. */
export interface LoadedBackend {
  device: string;
  gpu: boolean;
  softwareGpu?: boolean;
}

export interface PathLoadOptions {
  /** 'auto' is walking: a path that would run on a software GPU refuses before it starts anything. */
  refuseSoftwareGpu?: boolean;
}

/** One way to get a backend: tensorflow has two (tfjs-node-gpu, then tfjs-node). */
export interface BackendPath {
  backend: BackendName;
  /** Short label used in probe lines and skip reasons, e.g. 'tensorflow-gpu'. */
  label: string;
  load: (options?: PathLoadOptions) => Promise<LoadedBackend>;
}

const require = createRequire(import.meta.url);

// Production mode silences TF.js's "install our node backend" banner on first cpu use: our own note
// (below) already names the backend that ran and how to get the native one.
tf.env().set('PROD', true);

/** The first non-empty line of an error, for one-line reasons (no stack traces). */
export function firstLine(err: unknown): string {
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

// ---------------------------------------------------------------- tensorflow (tfjs-node, tfjs-node-gpu)

export type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

/**
 * Why a native package cannot load, or undefined when its binding is in place. "Not installed" and
 * "installed without binding" are told apart: the first needs an install, the second a working download.
 */
export function nativePackageProblem(
  pkg: NativePackage,
  resolve: (id: string) => string = (id) => require.resolve(id),
): string | undefined {
  let root: string;
  try {
    root = dirname(resolve(`${pkg}/package.json`));
  } catch {
    return `${pkg} is not installed (optional dependency)`;
  }
  const lib = join(root, 'lib');
  const hasBinding =
    existsSync(lib) &&
    readdirSync(lib).some((d) => d.startsWith('napi-v') && existsSync(join(lib, d, 'tfjs_binding.node')));
  return hasBinding ? undefined : `${pkg} has no native binding (its install could not download libtensorflow)`;
}

/** The name of the GPU TensorFlow calls gpu:0: the first one CUDA_VISIBLE_DEVICES lets it see, else GPU 0. */
function nvidiaGpuName(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const visible = env.CUDA_VISIBLE_DEVICES?.split(',')[0]?.trim();
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader', '-i', visible || '0'], {
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
      encoding: 'utf8',
    });
    return out.split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a loaded tensorflow backend runs on. tfjs-node-gpu loads fine without CUDA and then quietly runs
 * on the CPU, so the GPU claim rests on the binding's own `isUsingGpuDevice`, never on the package name.
 */
export function tensorflowDevice(pkg: NativePackage, usingGpu: boolean, gpuName?: string): LoadedBackend {
  if (pkg === '@tensorflow/tfjs-node') return { device: 'cpu (tensorflow, libtensorflow)', gpu: false };
  if (!usingGpu) return { device: 'cpu (tensorflow via tfjs-node-gpu: no CUDA 11.2/cuDNN 8.1 GPU found)', gpu: false };
  return { device: `gpu:0 (tensorflow, CUDA${gpuName ? `, ${gpuName}` : ''})`, gpu: true };
}

async function loadTensorflow(pkg: NativePackage): Promise<LoadedBackend> {
  // Requiring a package without its binding registers half its kernels before throwing: check first.
  const problem = nativePackageProblem(pkg);
  if (problem) throw new Error(problem);
  restoreLegacyUtil(); // Node ≥ 23 removed util.isNullOrUndefined, which tfjs-node 4.22 calls on every op
  require(pkg);
  await activate('tensorflow');
  const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  return tensorflowDevice(pkg, usingGpu, usingGpu ? nvidiaGpuName() : undefined);
}

// ---------------------------------------------------------------- webgpu (Dawn through the `webgpu` package)

interface DawnGpu {
  requestAdapter(options?: object): Promise<unknown>;
}
interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: object;
}
// A string variable keeps tsc from loading the package's global WebGPU typings.
const DAWN_PACKAGE: string = 'webgpu';

/** The reason Dawn gave for finding no adapter: its first warning that is not desktop-session noise. */
export function dawnReason(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^(Warning|Error):/.test(l) && !l.includes('XDG_RUNTIME_DIR'));
  return line ? line.replace(/^(Warning|Error):\s*/, '').slice(0, 160) : 'no GPU, or no Vulkan/Metal/D3D12 driver';
}

/** What Dawn says about its adapter (WebGPU's GPUAdapterInfo, plus the older `adapter.isFallbackAdapter`). */
export interface AdapterFacts {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

// Software renderers behind a GPU API: Google's SwiftShader (Vulkan), Mesa's llvmpipe/lavapipe/softpipe,
// Microsoft's WARP ("Basic Render Driver") behind D3D12.
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|basic render driver|\bwarp\b/i;

/** A fallback adapter, or one whose info names a software renderer: the GPU API runs on the CPU. */
export function isSoftwareAdapter(a: AdapterFacts): boolean {
  if (a.isFallbackAdapter === true) return true;
  return SOFTWARE_RENDERER.test([a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' '));
}

/** The adapter's name for reports, e.g. "google swiftshader SwiftShader driver 5.0.0". */
export function adapterName(a: AdapterFacts): string {
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || a.device || 'unnamed adapter';
}

/** The device line of a webgpu backend: the adapter's name, and whether it is a software renderer. */
export function webgpuDevice(a: AdapterFacts): LoadedBackend {
  if (isSoftwareAdapter(a))
    return { device: `gpu:0 (webgpu, software adapter: ${adapterName(a)})`, gpu: false, softwareGpu: true };
  return { device: `gpu:0 (webgpu, ${adapterName(a)})`, gpu: true };
}

/**
 * Ask Dawn for an adapter in a child process: on a machine without a usable GPU, Dawn prints Vulkan
 * warnings straight to fd 2, and they belong in a reason, not on the user's terminal.
 */
function dawnPreflight(): { ok: true; adapter: AdapterFacts } | { ok: false; reason: string } {
  let url: string;
  try {
    url = pathToFileURL(require.resolve(DAWN_PACKAGE)).href;
  } catch {
    return { ok: false, reason: 'the `webgpu` package (Dawn for Node) is not installed' };
  }
  const script = `const { create, globals } = await import(process.env.D2L_DAWN_URL);
Object.assign(globalThis, globals);
const a = await create(${JSON.stringify(dawnFlags())}).requestAdapter({ powerPreference: 'high-performance' });
const i = a?.info ?? {};
const facts = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter ?? a?.isFallbackAdapter };
process.stdout.write(JSON.stringify(a ? { ok: true, adapter: facts } : { ok: false }));
process.exit(0);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, D2L_DAWN_URL: url },
    encoding: 'utf8',
    timeout: 30_000,
  });
  try {
    const got = JSON.parse(run.stdout) as { ok: boolean; adapter?: AdapterFacts };
    if (got.ok) return { ok: true, adapter: got.adapter ?? {} };
  } catch {
    // no JSON: Dawn failed to load or crashed; the reason is on stderr
  }
  return { ok: false, reason: `no WebGPU adapter (Dawn: ${dawnReason(run.stderr ?? '')})` };
}

/** Extra Dawn flags, `;`-separated, e.g. D2L_DAWN_FLAGS='adapter=NVIDIA' or 'backend=vulkan' (see the webgpu README). */
function dawnFlags(): string[] {
  return (process.env.D2L_DAWN_FLAGS ?? '')
    .split(';')
    .map((f) => f.trim())
    .filter(Boolean);
}

let dawnGpu: DawnGpu | undefined;
/** The adapter the preflight found, kept for every later load in this process (the probe, then a grading). */
let dawnAdapter: AdapterFacts | undefined;
let webgpuReleased = false;

export const SOFTWARE_GPU_SKIPPED =
  'slower than the CPU backends, so auto does not pick it; pass --backend webgpu to use it anyway';

async function loadWebgpu(options: PathLoadOptions = {}): Promise<LoadedBackend> {
  if (webgpuReleased) throw new Error('the webgpu device was released in this process; start a new one');
  if (!dawnAdapter) {
    const pre = dawnPreflight();
    if (!pre.ok) throw new Error(pre.reason);
    dawnAdapter = pre.adapter;
  }
  const loaded = webgpuDevice(dawnAdapter);
  // Refused before Dawn starts in this process: a software device would only cost memory and keep Node alive.
  if (loaded.softwareGpu && options.refuseSoftwareGpu)
    throw new Error(`software adapter (${adapterName(dawnAdapter)}): ${SOFTWARE_GPU_SKIPPED}`);
  if (!dawnGpu) {
    throttleDawnPolling();
    // Resolved from this file, as the preflight does: the grader's CLI bundle runs from grader/dist/, where a
    // bare 'webgpu' (a dependency of this package, not the grader's) would not be found.
    const dawn = (await import(pathToFileURL(require.resolve(DAWN_PACKAGE)).href)) as DawnModule;
    Object.assign(globalThis, dawn.globals);
    dawnGpu = dawn.create(dawnFlags());
    // tfjs-backend-webgpu registers itself at import time only if navigator.gpu exists, so this comes first.
    // navigator is a getter on Node 21+, a plain global on Node 20: defineProperty works on both.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawnGpu }, configurable: true, writable: true });
  }
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    await activate('webgpu');
  } catch (err) {
    dropDawn(); // a half-set-up Dawn instance would keep the process alive
    throw err;
  }
  explainSyncReads(tf.backend() as unknown as SyncReader);
  return loaded;
}

let pollingThrottled = false;

/**
 * dawn.node waits for the GPU (a buffer read, the queue) by handing the global setImmediate a native callback
 * again and again until the work is done: a busy loop. While a software GPU computes a training step for
 * seconds, that loop takes a core from it and leaves hundreds of MB of garbage (a 3×3 convolution on SwiftShader:
 * 2.3 s and +38 MB of heap, against 0.66 s and +0.7 MB once the loop sleeps). Its polls keep their immediate turn
 * for the first 2 ms of a wait, so a fast GPU answers as soon as ever; after that they come once a millisecond.
 * Only native callbacks are held back (Dawn's, and promise resolvers); JavaScript ones run as before.
 */
export function throttleDawnPolling(): void {
  if (pollingThrottled) return;
  pollingThrottled = true;
  const immediate = globalThis.setImmediate;
  const native = new WeakMap<object, boolean>();
  let waitStart = 0;
  let lastPoll = Number.NEGATIVE_INFINITY;
  const throttled = (fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    let isNative = native.get(fn);
    if (isNative === undefined) {
      isNative = /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));
      native.set(fn, isNative);
    }
    if (!isNative) return immediate(fn, ...args);
    const now = performance.now();
    // A new wait begins after a pause longer than a late timer (a loaded machine fires them tens of ms late).
    if (now - lastPoll > 50) waitStart = now;
    lastPoll = now;
    return now - waitStart < 2 ? immediate(fn, ...args) : setTimeout(fn, 1, ...args);
  };
  globalThis.setImmediate = Object.assign(throttled, immediate) as unknown as typeof setImmediate;
}

interface SyncReader {
  readSync(dataId: object): unknown;
}
const SYNC_READ_HINT =
  'dataSync()/arraySync() cannot read from the webgpu backend under Node (it needs OffscreenCanvas): use await tensor.data() or tensor.array()';

/** tfjs-backend-webgpu reads synchronously through OffscreenCanvas, which Node lacks: say that instead. */
const explained = new WeakSet<SyncReader>();
function explainSyncReads(backend: SyncReader): void {
  if (explained.has(backend)) return;
  explained.add(backend);
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId) => {
    try {
      return readSync(dataId);
    } catch (err) {
      if (err instanceof ReferenceError && err.message.includes('OffscreenCanvas')) throw new Error(SYNC_READ_HINT);
      throw err;
    }
  };
}

function dropDawn(): void {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav && dawnGpu && nav.gpu === dawnGpu) delete nav.gpu;
  dawnGpu = undefined;
}

interface PooledBuffer {
  size: number;
  destroy(): void;
}
interface WebgpuPool {
  freeBuffers?: Map<string, PooledBuffer[]>;
  numFreeBuffers: number;
  numBytesAllocated: number;
}

/**
 * Free the GPU buffers the webgpu backend keeps for reuse; a no-op on every other backend.
 * tfjs-backend-webgpu pools each released buffer by size and usage and never frees one, so a grading that
 * trains one network and then another would hold the buffers of both for good; on a software GPU that pool
 * is the process's own memory. Call it between independent pieces of work.
 */
export function trimBackendMemory(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const pool = (tf.backend() as unknown as { bufferManager?: WebgpuPool }).bufferManager;
  if (!pool?.freeBuffers) return;
  for (const [key, buffers] of pool.freeBuffers) {
    for (const buffer of buffers) {
      pool.numBytesAllocated -= buffer.size;
      buffer.destroy();
    }
    // Emptied, not deleted: the manager's releaseBuffer ignores every release once the map itself is empty.
    pool.freeBuffers.set(key, []);
  }
  pool.numFreeBuffers = 0;
}

/**
 * Give the GPU back so the process can exit: Dawn keeps Node alive while anything references its GPU
 * object (dawn-gpu/node-webgpu README, "Lifetime"). Call it at the end of every CLI; harmless elsewhere.
 */
export async function releaseBackend(): Promise<void> {
  if (dawnGpu) {
    const backend = tf.engine().registry.webgpu as { device?: { destroy(): void } } | undefined;
    if (backend) {
      tf.removeBackend('webgpu');
      backend.device?.destroy();
    }
    dropDawn();
    webgpuReleased = true;
  }
  if (current?.name === 'webgpu') current = undefined;
}

// ---------------------------------------------------------------- wasm and cpu

async function loadWasm(): Promise<LoadedBackend> {
  await import('@tensorflow/tfjs-backend-wasm');
  // Every core for each XNNPACK call (the package's loader gives Node one thread); D2L_WASM_THREADS=1 opts out.
  const threaded = await registerThreadedWasm(wasmThreadsWanted());
  try {
    await activate('wasm');
  } catch (err) {
    if (!threaded) throw err;
    // The threaded build failed to start (a runtime without usable worker threads): one thread still trains.
    restoreStockWasm();
    await activate('wasm');
  }
  // Stock wasm cannot train a convnet (no Conv2DBackpropFilter): add XNNPACK-built gradients.
  (await import('./wasm/index.ts')).registerWasmTraining();
  const n = await wasmThreadsInUse();
  return { device: `cpu (wasm, XNNPACK, ${n} thread${n === 1 ? '' : 's'})`, gpu: false };
}

// ---------------------------------------------------------------- onednn (the @course/onednn addon)

let onednnLoaded = false;

async function loadOnednn(): Promise<LoadedBackend> {
  const { onednnDevice, ONEDNN_BACKEND, registerOnednnBackend, registerOnednnGradients, settleWaitPolicy } =
    await import('./onednn/index.ts');
  if (!onednnLoaded) await settleWaitPolicy();
  const addon = registerOnednnBackend();
  onednnLoaded = true;
  await activate(ONEDNN_BACKEND as BackendName);
  registerOnednnGradients();
  return { device: onednnDevice(addon), gpu: false };
}

async function loadCpu(): Promise<LoadedBackend> {
  await activate('cpu');
  return { device: 'cpu (pure JavaScript)', gpu: false };
}

/** The real paths, in auto's order. */
export const BACKEND_PATHS: readonly BackendPath[] = [
  { backend: 'tensorflow', label: 'tensorflow-gpu', load: () => loadTensorflow('@tensorflow/tfjs-node-gpu') },
  { backend: 'tensorflow', label: 'tensorflow-cpu', load: () => loadTensorflow('@tensorflow/tfjs-node') },
  { backend: 'onednn', label: 'onednn', load: loadOnednn },
  { backend: 'webgpu', label: 'webgpu', load: loadWebgpu },
  { backend: 'wasm', label: 'wasm', load: loadWasm },
  { backend: 'cpu', label: 'cpu', load: loadCpu },
];

// ---------------------------------------------------------------- selection

export interface SelectOptions {
  /** The paths to walk, in order (default: the real ones). */
  paths?: readonly BackendPath[];
  /** Let 'auto' probe webgpu (default: D2L_TRY_WEBGPU=1); a named 'webgpu' is always probed. */
  tryWebgpu?: boolean;
}

export const WEBGPU_NOT_PROBED = 'webgpu: not probed by auto (set D2L_TRY_WEBGPU=1 or pass --backend webgpu)';

/**
 * The first path that loads, and the one-line reasons of those before it that did not. With
 * `refuseSoftwareGpu` (auto's walk), a path that comes up on a software GPU counts as not loading.
 */
async function tryPaths(
  paths: readonly BackendPath[],
  options: PathLoadOptions = {},
): Promise<{ loaded?: LoadedBackend; errors: string[] }> {
  const errors: string[] = [];
  for (const path of paths) {
    try {
      const loaded = await path.load(options);
      // The real webgpu loader refuses before starting Dawn; this holds the rule for any loader.
      if (loaded.softwareGpu && options.refuseSoftwareGpu)
        throw new Error(`software GPU (${loaded.device}): ${SOFTWARE_GPU_SKIPPED}`);
      return { loaded, errors };
    } catch (err) {
      errors.push(`${path.label}: ${firstLine(err)}`);
    }
  }
  return { errors };
}

/**
 * The selection walk, with no side effects of its own beyond calling the loaders: 'auto' walks the
 * paths in order; a named backend tries only its own paths and throws BackendUnavailableError.
 */
export async function selectBackend(choice: BackendChoice, options: SelectOptions = {}): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new Error(`unknown backend '${choice}': choose one of ${BACKEND_CHOICES.join(', ')}`);
  }
  // A bad setting is the user's to fix, not a reason for auto to skip wasm for the 40× slower cpu.
  if (choice === 'auto' || choice === 'wasm') wasmThreadsWanted();
  const paths = options.paths ?? BACKEND_PATHS;
  if (choice !== 'auto') {
    const { loaded, errors } = await tryPaths(paths.filter((p) => p.backend === choice));
    if (!loaded) throw new BackendUnavailableError(choice, errors.join('; ') || 'no loader for it');
    return { name: choice, ...loaded, skipped: errors };
  }
  const tryWebgpu = options.tryWebgpu ?? process.env.D2L_TRY_WEBGPU === '1';
  const skipped: string[] = [];
  const order = [...new Set(paths.map((p) => p.backend))];
  for (const name of order) {
    // Probing Dawn costs a child process on CPU machines; auto skips it unless asked.
    if (name === 'webgpu' && !tryWebgpu) {
      skipped.push(WEBGPU_NOT_PROBED);
      continue;
    }
    // Never a software GPU over a CPU backend: SwiftShader trains far slower than wasm (docs/gpu.md).
    const { loaded, errors } = await tryPaths(
      paths.filter((p) => p.backend === name),
      { refuseSoftwareGpu: true },
    );
    skipped.push(...errors);
    if (loaded) return { name, ...loaded, skipped };
  }
  throw new Error(`no TF.js backend could load: ${skipped.join(' | ')}`);
}

/**
 * The plain statement every CPU run carries: which CPU path ran, why the native backend did not, and
 * how to get it. Undefined for GPU runs.
 */
export function fallbackNote(info: BackendInfo): string | undefined {
  if (info.gpu) return undefined;
  if (info.softwareGpu)
    return `note: ${info.name} runs on a software GPU (${info.device}): the CPU does the work, slower than the CPU backends, and the grader uses its CPU training profile. For a real GPU see docs/gpu.md.`;
  const ran = `note: no GPU backend; the CPU path ran (${info.name}: ${info.device}).`;
  if (info.name === 'tensorflow')
    return `${ran} For the GPU paths see docs/gpu.md (tfjs-node-gpu needs CUDA 11.2 + cuDNN 8.1).`;
  const native = info.skipped.filter((s) => s.startsWith('tensorflow'));
  const why = native.length > 0 ? ` (${native.map((s) => s.slice(0, 140)).join('; ')})` : '';
  const tensorflow = `Native TensorFlow unavailable${why}. To get it: ${INSTALL_HINTS.tensorflow}`;
  if (info.name === 'onednn') return `${ran} ${tensorflow}`;
  // The native CPU kernels are the next-best path: say in one line why they are off and how to get them.
  const onednn = info.skipped.find((s) => s.startsWith('onednn:'));
  const off = onednn ? ` Native oneDNN kernels off (${onednn.slice('onednn: '.length, 200)}).` : '';
  return `${ran} ${tensorflow}${off}`;
}

let current: BackendInfo | undefined;

/** The backend chosen last by `useBackend`, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * Select a backend. 'auto' walks tensorflow → onednn → webgpu → wasm → cpu; a named backend that cannot load
 * throws BackendUnavailableError (one line, with the install hint). Unless quiet, an automatic choice
 * that lands on a CPU path says so on stderr.
 */
export async function useBackend(
  choice: BackendChoice = 'auto',
  options: { quiet?: boolean } & SelectOptions = {},
): Promise<BackendInfo> {
  const info = await selectBackend(choice, options);
  current = info;
  const note = choice === 'auto' ? fallbackNote(info) : undefined;
  if (note && !options.quiet) process.stderr.write(`${note}\n`);
  return info;
}

/** The book's `try_gpu()`: the GPU when one is usable, else the best CPU backend. */
export function tryGpu(): Promise<BackendInfo> {
  return useBackend('auto', { quiet: true });
}
