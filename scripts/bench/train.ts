// Training throughput of the chapter's ResNet-18 (batch 32, SGD) at 28 and 96 px on every TF.js
// backend this machine has, next to PyTorch running the same network in the same run.
// Each backend runs in its own child process, so one that cannot train (stock wasm has no
// Conv2DBackpropFilter) or takes too long shows "n/a (reason)" instead of ending the bench.
// Environment: BENCH_TRAIN_SIZES (28,96), BENCH_TRAIN_SECONDS (10 per measurement),
// BENCH_TRAIN_BACKENDS (tensorflow,onednn,wasm,wasm-2workers,wasm-stock,cpu), BENCH_TRAIN_REPEATS (1 round),
// BENCH_TRAIN_PROFILE (1).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

type TF = typeof import('../../packages/d2l/node_modules/@tensorflow/tfjs');

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const BATCH = 32;
const RESULT = 'BENCH_RESULT ';

type Row = Record<string, string | number>;
interface ChildResult {
  imgPerSec: number;
  steps: number;
  device: string;
  profile?: { kernel: string; ms: number; calls: number }[];
}
type Outcome = ChildResult | { error: string };

const BACKENDS = ['tensorflow', 'onednn', 'wasm', 'wasm-2workers', 'wasm-stock', 'cpu'] as const;
type BenchBackend = (typeof BACKENDS)[number];

function envList(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.includes('tfjs-node') && !/^=+$/.test(l.trim()));
  return (lines.find((l) => /Error|error:/.test(l)) ?? lines.at(-1) ?? 'no output').trim().slice(0, 160);
}

function runChild(command: string, args: string[], timeoutS: number, env: NodeJS.ProcessEnv = process.env): Outcome {
  const out = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    env,
    maxBuffer: 1 << 24,
  });
  if (out.error && (out.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return { error: `timed out after ${timeoutS} s (too slow to finish a step)` };
  }
  if (out.error) return { error: out.error.message };
  const line = out.stdout.split('\n').find((l) => l.startsWith(RESULT));
  if (!line) return { error: lastLine(`${out.stderr}\n${out.stdout}`) };
  return JSON.parse(line.slice(RESULT.length)) as Outcome;
}

function pytorch(sizes: number[], seconds: number, timeoutS: number): Map<number, Outcome> {
  const python = ['/usr/bin/python3', 'python3'].find((p) => p === 'python3' || existsSync(p)) ?? 'python3';
  const args = [
    join(HERE, 'pytorch_resnet18.py'),
    '--sizes',
    sizes.join(','),
    '--batch',
    String(BATCH),
    '--seconds',
    String(seconds),
    '--threads',
    '2',
  ];
  const out = spawnSync(python, args, {
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    // Both sides keep libgomp's wait policy as the caller's environment has it (unset: the default,
    // spinning a while at each barrier; the onednn backend no longer overrides it).
    env: { ...process.env, OMP_NUM_THREADS: '2' },
  });
  const result = new Map<number, Outcome>();
  let parsed: { error?: string; torch?: string; rows?: { size: number; imgPerSec: number; steps: number }[] } = {};
  try {
    parsed = JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '{}');
  } catch {
    parsed = { error: out.error ? `timed out after ${timeoutS} s` : lastLine(out.stderr || 'python3 not found') };
  }
  for (const size of sizes) {
    const row = parsed.rows?.find((r) => r.size === size);
    result.set(
      size,
      row
        ? {
            imgPerSec: row.imgPerSec,
            steps: row.steps,
            device: `cpu, 2 threads (torch ${parsed.torch}, OpenMP ${process.env.OMP_WAIT_POLICY ?? 'default'} wait)`,
          }
        : { error: parsed.error ?? 'no result' },
    );
  }
  return result;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function childArgs(backend: BenchBackend, size: number, seconds: number, profile: boolean): string[] {
  // One node process with tsx's loader (not `npx tsx`, whose grandchild survives a timeout kill).
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--backend', backend];
  return [...args, '--size', String(size), '--seconds', String(seconds), ...(profile ? ['--profile'] : [])];
}

export async function run(): Promise<{ name: string; rows: Row[]; notes: string[] }> {
  const sizes = envList('BENCH_TRAIN_SIZES', '28,96').map(Number);
  const seconds = Number(process.env.BENCH_TRAIN_SECONDS ?? 10);
  const repeats = Math.max(1, Number(process.env.BENCH_TRAIN_REPEATS ?? 1));
  const backends = envList('BENCH_TRAIN_BACKENDS', BACKENDS.join(',')) as BenchBackend[];
  const timeoutS = Math.max(120, seconds * 8);
  const rows: Row[] = [];
  const notes: string[] = [
    `PyTorch and each TF.js backend alternate, ${repeats} round(s) per size; img/s and ratio are medians over rounds (the ratio per round, so load changes between rounds cancel)`,
    `PyTorch runs 2 threads, as the onednn backend does here; both keep OMP_WAIT_POLICY as set (${process.env.OMP_WAIT_POLICY ?? 'unset: libgomp’s default'}); pnpm bench --only train-e2e compares each side at its own defaults`,
  ];
  for (const size of sizes) {
    const runs = new Map<string, { got: Outcome; base?: number }[]>();
    const failed = new Set<string>();
    for (let round = 0; round < repeats; round++) {
      // PyTorch first, then each backend right after it: contention from other jobs hits both alike.
      const torch = pytorch([size], seconds, timeoutS).get(size) as Outcome;
      const base = 'imgPerSec' in torch ? torch.imgPerSec : undefined;
      runs.set('pytorch', [...(runs.get('pytorch') ?? []), { got: torch, base }]);
      for (const backend of backends) {
        if (failed.has(backend)) continue; // a backend that cannot train will not start to on round 2
        const profile =
          round === 0 && process.env.BENCH_TRAIN_PROFILE !== '0' && (backend === 'wasm' || backend === 'onednn');
        const got = runChild(process.execPath, childArgs(backend, size, seconds, profile), timeoutS);
        if ('error' in got) failed.add(backend);
        runs.set(backend, [...(runs.get(backend) ?? []), { got, base }]);
        if ('profile' in got && got.profile) {
          const total = got.profile.reduce((s, p) => s + p.ms, 0);
          const top = got.profile
            .slice(0, 8)
            .map((p) => `${p.kernel} ${fmt(p.ms)} ms (${((100 * p.ms) / total).toFixed(0)}%)`);
          notes.push(`profile, ${backend} at ${size} px, one step (${fmt(total)} ms in kernels): ${top.join(', ')}`);
        }
      }
    }
    const torchBest = Math.max(
      0,
      ...(runs.get('pytorch') ?? []).map(({ got }) => ('imgPerSec' in got ? got.imgPerSec : 0)),
    );
    for (const [backend, list] of runs) rows.push(summarise(size, backend, list, torchBest));
  }
  return { name: 'training throughput: chapter ResNet-18, batch 32, SGD', rows, notes };
}

function summarise(size: number, backend: string, list: { got: Outcome; base?: number }[], torchBest: number): Row {
  const ok = list.flatMap(({ got, base }) => ('imgPerSec' in got ? [{ got, base }] : []));
  const first = list[0]?.got;
  if (ok.length === 0) {
    const error = first && 'error' in first ? first.error : 'no result';
    return {
      size,
      backend,
      'img/s': `n/a (${error})`,
      'vs PyTorch': '-',
      'best vs best': '-',
      rounds: list.length,
      steps: 0,
      device: '-',
    };
  }
  const ratios = ok.flatMap(({ got, base }) => (base ? [got.imgPerSec / base] : []));
  return {
    size,
    backend,
    'img/s': Number(fmt(median(ok.map(({ got }) => got.imgPerSec)))),
    'vs PyTorch': ratios.length ? `${median(ratios).toFixed(2)}×` : '-',
    // The fastest round is the least disturbed by other jobs: best against best is the other estimate.
    'best vs best': torchBest ? `${(Math.max(...ok.map(({ got }) => got.imgPerSec)) / torchBest).toFixed(2)}×` : '-',
    'per round': ok.map(({ got }) => fmt(got.imgPerSec)).join(' / '),
    rounds: ok.length,
    steps: ok.reduce((s, { got }) => s + got.steps, 0),
    device: ok[0]?.got.device ?? '-',
  };
}

// ---- child: one backend, one size ----

async function child(backend: BenchBackend, size: number, seconds: number, profile: boolean): Promise<ChildResult> {
  // The root has no @tensorflow/tfjs of its own: take the copy the workspace packages use.
  const tf = createRequire(join(ROOT, 'packages/d2l/package.json'))('@tensorflow/tfjs') as TF;
  const { useBackend } = await import('../../packages/d2l/src/backend.ts');
  const { buildArch } = await import('../../packages/resnet/src/archs.ts');
  const name = backend === 'wasm-stock' || backend === 'wasm-2workers' ? 'wasm' : backend;
  const info = await useBackend(name, { quiet: true });
  if (backend === 'wasm-stock') (await import('../../packages/d2l/src/wasm/index.ts')).unregisterWasmTraining();
  const inputShape: [number, number, number] = [size, size, 1];
  const xs = tf.randomNormal([BATCH, size, size, 1]);
  const ys = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32') as InstanceType<TF['Tensor']> as never, 10);
  let step: () => Promise<number>;
  type Tensor = InstanceType<TF['Tensor']>;
  let device = info.device;
  if (backend === 'wasm-2workers') {
    const { dataParallelTrainer } = await import('../../packages/d2l/src/wasm/data-parallel.ts');
    const trainer = await dataParallelTrainer(buildArch('resnet18', { preset: 'd2l', inputShape }), {
      workers: 2,
      learningRate: 0.05,
    });
    device = `cpu (wasm, XNNPACK), ${trainer.workers} worker threads of one XNNPACK thread each`;
    const [xd, yd] = [xs.dataSync() as Float32Array, ys.dataSync() as Float32Array];
    step = async () => (await trainer.step(xd, yd, BATCH)).loss;
  } else {
    const model = buildArch('resnet18', { preset: 'd2l', inputShape });
    const optimizer = tf.train.sgd(0.05);
    step = async () => {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as Tensor),
        true,
      ) as Tensor;
      const value = (await loss.data())[0] ?? Number.NaN;
      loss.dispose();
      return value;
    };
  }
  await step(); // warm-up: XNNPACK operators, weight packing, allocations
  let kernels: ChildResult['profile'];
  if (profile && backend !== 'wasm-2workers') {
    const byKernel = new Map<string, { ms: number; calls: number }>();
    const info = await tf.profile(step);
    for (const k of info.kernels) {
      const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      entry.ms += Number(k.kernelTimeMs) || 0;
      entry.calls += 1;
      byKernel.set(k.name, entry);
    }
    kernels = [...byKernel].map(([kernel, v]) => ({ kernel, ...v })).sort((a, b) => b.ms - a.ms);
  }
  let steps = 0;
  const start = performance.now();
  while (steps < 2 || performance.now() - start < seconds * 1000) {
    const loss = await step();
    if (!Number.isFinite(loss)) throw new Error(`loss became ${loss}`);
    steps += 1;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { imgPerSec: (BATCH * steps) / elapsed, steps, device, profile: kernels };
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean' },
      backend: { type: 'string', default: 'wasm' },
      size: { type: 'string', default: '28' },
      seconds: { type: 'string', default: '10' },
      profile: { type: 'boolean' },
    },
  });
  if (!values.child) {
    console.log(JSON.stringify(await run(), null, 2));
  } else {
    try {
      const got = await child(
        values.backend as BenchBackend,
        Number(values.size),
        Number(values.seconds),
        Boolean(values.profile),
      );
      process.stdout.write(`${RESULT}${JSON.stringify(got)}\n`);
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
      process.stdout.write(`${RESULT}${JSON.stringify({ error: message.slice(0, 200) })}\n`);
    }
    process.exit(0);
  }
}
