// The `onednn` TF.js backend: the cpu backend's tensors and kernels, with the step's heavy kernels
// (convolutions and both their gradients, BatchNorm and its gradient, max pooling, block
// reductions, the full-size element-wise ops) run by the oneDNN addon (@course/onednn).
//
// Why the cpu backend's arrays and not the wasm heap: with the convolutions native, what is left of
// a step is element-wise and reduction passes. On wasm they run as 128-bit XNNPACK code on a pool
// that would compete with oneDNN's for the two cores (0.3 s of a 96 px step in the wasm profile,
// where PyTorch's whole step is 0.34 s); natively they are AVX-512 loops on oneDNN's one OpenMP pool,
// and the cpu backend hands kernels plain Float32Arrays the addon can write in place, with no heap
// growth or 4 GB limit to manage. A distinct backend name keeps `cpu` itself the pure-JavaScript
// reference that the tests compare against.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadOnednn, type OnednnAddon } from '@course/onednn';
import * as tf from '@tensorflow/tfjs';
import { batchNormKernels, momentsHooks, registerOnednnGradients } from './batch-norm.ts';
import { type KernelContext, onednnKernels } from './kernels.ts';
import { dropDeferred, isDeferred } from './lazy.ts';
import { isZeroView, markEscaped, release } from './pool.ts';
import { patchSgd } from './sgd.ts';

export const ONEDNN_BACKEND = 'onednn';

/**
 * Threads for oneDNN's pool: D2L_ONEDNN_THREADS, else D2L_WASM_THREADS (the per-job share of the cores
 * that `pnpm grade --submissions --jobs N` gives each job's CPU backend), else every core.
 */
export function onednnThreadsWanted(env: NodeJS.ProcessEnv = process.env): number {
  const name = env.D2L_ONEDNN_THREADS ? 'D2L_ONEDNN_THREADS' : 'D2L_WASM_THREADS';
  const raw = env[name];
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

/** Cores' worth of CPU time the rest of the machine used over `ms` (Linux's /proc/stat); undefined elsewhere. */
export async function othersBusyCores(ms = 60): Promise<number | undefined> {
  const busyTicks = () => {
    // cpu user nice system idle iowait irq softirq steal …: busy is all but idle and iowait (steal too:
    // another VM holding the core is contention as well).
    const [, user, nice, system, , , irq, softirq, steal] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .map(Number);
    return [user, nice, system, irq, softirq, steal].reduce((a: number, b) => a + (b ?? 0), 0);
  };
  try {
    const [ticks, self, start] = [busyTicks(), process.cpuUsage(), performance.now()];
    await sleep(ms);
    const seconds = (performance.now() - start) / 1000;
    const own = process.cpuUsage(self);
    // USER_HZ is 100 on every Linux that matters.
    const others = (busyTicks() - ticks) / 100 - (own.user + own.system) / 1e6;
    return Number.isFinite(others) ? Math.max(0, others / seconds) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How oneDNN's OpenMP threads wait between parallel regions, set before libgomp starts (it reads the
 * environment once) unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is already set (the batch grader sets
 * passive for jobs that share the cores). Training alone, an idle thread spins up to 10,000 rounds
 * (~0.2 ms) before it sleeps: long enough to bridge the gaps between one step's kernels, so no
 * wake-up is paid per kernel (passive cost ~25% at 28 px). When other processes already keep a core
 * busy, the threads sleep at once: a thread spinning while the one it waits for is descheduled made a
 * 28 px step 9× slower with libgomp's default spin (300,000 rounds) and 3× with 10,000 (measured at
 * load 12–20 on 2 cores; passive held its speed). Returns the policy in words.
 */
export async function settleWaitPolicy(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.OMP_WAIT_POLICY !== undefined || env.GOMP_SPINCOUNT !== undefined)
    return `OMP_WAIT_POLICY=${env.OMP_WAIT_POLICY ?? '-'}, GOMP_SPINCOUNT=${env.GOMP_SPINCOUNT ?? '-'} (as set)`;
  const busy = await othersBusyCores();
  if (busy !== undefined && busy >= 0.5) {
    env.OMP_WAIT_POLICY = 'passive';
    return `passive (other processes were using ${busy.toFixed(1)} cores)`;
  }
  env.GOMP_SPINCOUNT = '10000';
  return 'spin 10,000 rounds, then sleep';
}

interface CpuData {
  data: { get(id: object): { values?: unknown } | undefined; has(id: object): boolean };
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
}

/** A cpu backend whose disposed tensors give their buffers back to the pool, and whose reads mark them escaped. */
function pooledCpuBackend(cpu: tf.KernelBackend): tf.KernelBackend {
  const Cpu = cpu.constructor as new () => CpuData;
  const backend = new Cpu();
  const { disposeData, readSync, read } = backend;
  backend.disposeData = function (dataId, force) {
    if (isDeferred(dataId)) {
      // Never computed: nothing to pool, only what it held to let go of.
      const released = disposeData.call(this, dataId, force);
      if (released) dropDeferred(this, dataId);
      return released;
    }
    const values = this.data.get(dataId)?.values;
    const released = disposeData.call(this, dataId, force);
    if (released) release(values);
    return released;
  };
  backend.readSync = function (dataId) {
    const values = this.data.get(dataId)?.values;
    if (isZeroView(values)) return new Float32Array(values.length); // never hand out the shared zeros
    markEscaped(values);
    return readSync.call(this, dataId);
  };
  backend.read = function (dataId) {
    const values = this.data.get(dataId)?.values;
    if (isZeroView(values)) return Promise.resolve(new Float32Array(values.length));
    markEscaped(values);
    return read.call(this, dataId);
  };
  return backend as unknown as tf.KernelBackend;
}

/** A cpu kernel whose output may be a view of an input's buffer (Slice's subarray): that buffer must never be reused. */
function viewsEscape(kernel: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const out = kernel(args);
    const backend = args.backend as unknown as CpuData;
    // A deferred tensor the kernel passed through unread (Reshape) stays deferred: it views nothing yet.
    const inputs = Object.values(args.inputs).filter(
      (t): t is tf.TensorInfo => t !== undefined && !isDeferred(t.dataId),
    );
    for (const o of Array.isArray(out) ? out : [out]) {
      if (isDeferred(o.dataId)) continue;
      const v = backend.data.get(o.dataId)?.values;
      if (!ArrayBuffer.isView(v)) continue;
      for (const t of inputs) {
        const u = backend.data.get(t.dataId)?.values;
        if (ArrayBuffer.isView(u) && u.buffer === v.buffer && o.dataId !== t.dataId) markEscaped(u);
      }
    }
    return out;
  };
}

let registered: OnednnAddon | undefined;

/** Register the `onednn` backend and its kernels (once); throws the addon's one-line reason when it is not built. */
export function registerOnednnBackend(): OnednnAddon {
  if (registered) return registered;
  const load = loadOnednn();
  if (!load.ok) throw new Error(load.reason);
  const { addon } = load;
  addon.setThreads(onednnThreadsWanted());
  const cpu = tf.findBackend('cpu'); // initialises the cpu backend when it is not yet running
  if (!cpu) throw new Error('the TF.js cpu backend is not registered');
  tf.registerBackend(ONEDNN_BACKEND, () => pooledCpuBackend(cpu), 0);
  const cpuKernels = new Map(tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k]));
  const ctx: KernelContext = {
    addon,
    stock(name) {
      const k = cpuKernels.get(name);
      if (!k) throw new Error(`onednn: no cpu kernel ${name} to fall back to`);
      return k.kernelFunc;
    },
  };
  const ours = {
    ...onednnKernels(ctx, momentsHooks),
    ...batchNormKernels(ctx),
  };
  for (const [kernelName, k] of cpuKernels) {
    if (!(kernelName in ours))
      tf.registerKernel({ ...k, backendName: ONEDNN_BACKEND, kernelFunc: viewsEscape(k.kernelFunc) });
  }
  for (const [kernelName, kernelFunc] of Object.entries(ours)) {
    tf.registerKernel({ kernelName, backendName: ONEDNN_BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  patchSgd(ctx);
  registered = addon;
  return addon;
}

/** The device line: library version, the instruction set its float32 convolutions run on, threads. */
export function onednnDevice(addon: OnednnAddon): string {
  // A 3×3 convolution's implementation ("brgconv:avx512_core") names the kernels training runs on;
  // the library's top ISA (avx512_core_amx here) only serves bf16/int8.
  const impl = addon.convImpl('f', [1, 8, 8, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1]);
  const isa = impl.split(':').at(-1) || addon.info().isa;
  const { version, threads } = addon.info();
  return `cpu (oneDNN ${version}, ${isa}, ${threads} thread${threads === 1 ? '' : 's'})`;
}

/** Gradients that must sit in front of TF.js's while onednn runs (re-run after others re-register theirs). */
export { registerOnednnGradients };
