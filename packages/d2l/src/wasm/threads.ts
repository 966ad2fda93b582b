// The threaded-SIMD build of the wasm backend under Node, so XNNPACK uses every core for each
// convolution (forward and both gradients) while BatchNorm and the weights stay in one process.
//
// The package ships tfjs-backend-wasm-threaded-simd.{js,wasm} but never uses them under Node
// (`WASM_HAS_MULTITHREAD_SUPPORT` is false there, tfjs issue 3830), and forcing the flag is not
// enough: (1) the loader hands Emscripten blob: URLs for the pthread workers, which Node cannot
// load; (2) the C++ side caps the pool at `emscripten_num_logical_cores() / 2` ("two hyperthreads
// per core"), which is 1 on a 2-core machine. We start the same build ourselves with a file-based
// worker entry and a core count that gives the pool the threads asked for, then hand the module to
// the package's own BackendWasm, so every registered wasm kernel (stock and ours) runs unchanged.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);
const WORKER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'pthread-worker.cjs');
/** Workers the build preallocates (PTHREAD_POOL_SIZE); more would be spawned lazily. */
const MAX_THREADS = 8;

interface PoolWorker {
  unref(): void;
  terminate(): Promise<number>;
}
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { runningWorkers: PoolWorker[]; unusedWorkers: PoolWorker[] };
  tfjs?: Record<string, unknown>;
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;
type Imports = { env: Record<string, unknown> };
// The tsconfig's libs do not declare WebAssembly (no DOM lib): the little used here.
interface Wasm {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: unknown };
  instantiate(bytes: Uint8Array, imports: Imports): Promise<{ instance: unknown; module: unknown }>;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** Threads the threaded build would use here: D2L_WASM_THREADS, else every core (at most 8). */
export function wasmThreadsWanted(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const raw = env.D2L_WASM_THREADS;
  if (raw !== undefined && raw.trim() !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`D2L_WASM_THREADS must be a whole number ≥ 1 (got "${raw}"); unset it to use every core`);
    }
    return Math.min(n, MAX_THREADS);
  }
  return Math.max(1, Math.min(cores, MAX_THREADS));
}

type Permission = { has(scope: string): boolean } | undefined;

/** Why this Node cannot run wasm threads, or undefined when it can. */
export function wasmThreadsProblem(
  permission: Permission = (process as { permission?: Permission }).permission,
): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available';
  // Under --experimental-permission without --allow-worker, new Worker() throws.
  if (permission && !permission.has('worker')) return 'worker threads are not permitted (--allow-worker)';
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(memory.buffer instanceof SharedArrayBuffer)) return 'shared WebAssembly memory is not supported';
  } catch (err) {
    return `shared WebAssembly memory is not supported (${(err as Error).message})`;
  }
  return undefined;
}

/**
 * Stands in for the pthread workers XNNPACK will never use. The build preloads 8 (PTHREAD_POOL_SIZE)
 * whatever the thread count, each a Node isolate with the 450 kB glue and a wasm instance (~16 MB);
 * the pool needs threads − 1. A stand-in answers the glue's "load" with "loaded" and is dropped from
 * the pool before any thread starts (see `startModule`).
 */
class DormantWorker extends EventEmitter {
  postMessage(message: { cmd?: string }): void {
    if (message.cmd !== 'load') {
      throw new Error(`wasm threads: a pthread was started on a stand-in worker (${message.cmd}); report this bug`);
    }
    setImmediate(() => this.emit('message', { cmd: 'loaded' }));
  }
  ref(): void {}
  unref(): void {}
  async terminate(): Promise<number> {
    return 0;
  }
}

/**
 * Calls `start` while `new Worker(…)` (the glue's, through the global it sets) makes only `keep`
 * real workers and stand-ins after that. The glue preloads its pool synchronously inside the factory
 * call, so the global is put back as soon as `start` returns: worker_threads' Worker, as the glue
 * leaves it (and any worker it makes later is real).
 */
function withWorkers<T>(keep: number, start: () => T): T {
  let made = 0;
  const Pool = function PoolWorker(path: string) {
    made += 1;
    return made <= keep ? new Worker(path) : new DormantWorker();
  };
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => Pool, set: () => {} });
  try {
    return start();
  } finally {
    Object.defineProperty(globalThis, 'Worker', { configurable: true, writable: true, value: Worker });
  }
}

async function startModule(threads: number): Promise<EmscriptenModule> {
  const glue = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const binary = readFileSync(glue.replace(/\.js$/, '.wasm'));
  const factory = require(glue) as Factory;
  const before = {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
  // Emscripten never settles its promise when a custom instantiateWasm fails: race a rejection of our own.
  let failed: (err: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  const starting = withWorkers(threads - 1, () =>
    factory({
      locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? WORKER_ENTRY : prefix + path),
      // What each pthread worker evaluates to get the module factory (a path, not a Blob, under Node).
      mainScriptUrlOrBlob: glue,
      instantiateWasm: (imports: Imports, receive: (instance: unknown, module: unknown) => void) => {
        // backend.cc sizes its pool as min(asked, logical cores / 2): report 2 × threads "logical cores".
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        WebAssembly.instantiate(binary, imports).then(
          ({ instance, module: compiled }) => receive(instance, compiled),
          (err: unknown) => failed(err),
        );
        return {};
      },
    }),
  );
  const module = await Promise.race([starting, failure]);
  // Stand-ins leave the pool before XNNPACK's threads are created (pop() takes from the end).
  const pool = module.PThread.unusedWorkers;
  pool.splice(0, pool.length, ...pool.filter((w) => !(w instanceof DormantWorker)));
  // The glue rethrows every uncaught exception from a handler of its own, so Node prints the
  // glue's 450 kB source line instead of the real throw site. Node's default does the same job.
  for (const listener of process.listeners('uncaughtException')) {
    if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
  }
  for (const listener of process.listeners('unhandledRejection')) {
    if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
  }
  const wrap = (name: string, ret: string | null, args: string[]) => module.cwrap(name, ret, args);
  module.tfjs = {
    init: wrap('init', null, []),
    initWithThreadsCount: wrap('init_with_threads_count', null, ['number']),
    getThreadsCount: wrap('get_threads_count', 'number', []),
    registerTensor: wrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: wrap('dispose_data', null, ['number']),
    dispose: wrap('dispose', null, []),
  };
  return module;
}

let registered: number | undefined;
let stockFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | undefined;

/** Puts the package's own (single-threaded) 'wasm' factory back, e.g. after the threaded one failed. */
export function restoreStockWasm(): void {
  if (!stockFactory) return;
  if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
  tf.registerBackend('wasm', stockFactory, 2);
  registered = undefined;
}

/**
 * Re-registers the 'wasm' backend so that activating it starts the threaded-SIMD build with
 * `threads` XNNPACK threads. Call before `tf.setBackend('wasm')`; kernels stay registered under
 * 'wasm'. Returns false (and changes nothing) where this Node has no wasm threads or a wasm
 * backend is already running.
 */
export async function registerThreadedWasm(threads: number): Promise<boolean> {
  if (threads < 2 || wasmThreadsProblem()) return false;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (registered === threads && tf.findBackendFactory('wasm')) return true;
  // A wasm backend already running (single-threaded) holds tensors: keep it rather than dispose them.
  if (tf.findBackend('wasm')) return false;
  // The package registered its own factory on import; registerBackend would keep that one.
  stockFactory ??= tf.findBackendFactory('wasm') ?? undefined;
  if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
  wasm.setThreadsCount(threads);
  tf.registerBackend(
    'wasm',
    async () => {
      const module = await startModule(threads);
      const backend = new wasm.BackendWasm(module as never);
      // Running pthreads hold a ref on their Worker: without this the process never exits.
      for (const worker of [...module.PThread.runningWorkers, ...module.PThread.unusedWorkers]) worker.unref();
      return backend;
    },
    2,
  );
  registered = threads;
  return true;
}

/** XNNPACK threads of the active wasm backend (1 for the single-threaded build). */
export async function wasmThreadsInUse(): Promise<number> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return wasm.getThreadsCount();
}
