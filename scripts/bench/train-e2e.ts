// End to end, as users run it: `pnpm train` (the chapter's ResNet-18 on a stratified Fashion-MNIST
// sample, one epoch) against the book's train_ch6 in PyTorch over the same images (a DataLoader over
// the same tensors, timed as d2l times it: the Timer around each batch, loading excluded). Each side
// keeps its own defaults (threads, OpenMP wait policy; none is set here). Rounds alternate which side
// goes first (A B, B A, …) and the ratio is taken per round, so load that changes between rounds cancels.
// Environment: BENCH_E2E_SIZES (28,96), BENCH_E2E_IMAGES (images per size: 4096,512), BENCH_E2E_ROUNDS (3),
// BENCH_E2E_BATCH (32).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const TEST_IMAGES = 64;

type Row = Record<string, string | number>;
interface Side {
  examplesPerSec: number;
  wallS: number;
  device: string;
}
type Outcome = Side | { error: string };

function envList(name: string, fallback: string): number[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

/** Runs a command in its own process group (killed whole on timeout); stdout, stderr tail, wall seconds. */
function runTimed(
  command: string,
  args: string[],
  timeoutS: number,
): Promise<{ code: number | null; stdout: string; stderr: string; wallS: number; timedOut: boolean }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallS: (performance.now() - started) / 1000, timedOut });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 1, stdout, stderr: err.message, wallS: 0, timedOut });
    });
  });
}

function why(r: { code: number | null; stdout: string; stderr: string; timedOut: boolean }, timeoutS: number): string {
  if (r.timedOut) return `timed out after ${timeoutS} s`;
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.trim() !== '');
  return (lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? `exit ${r.code}`).trim().slice(0, 160);
}

/** The book's closing line, `N examples/sec on DEVICE`, as both sides print it. */
function examplesLine(stdout: string): { rate: number; device: string } | undefined {
  const m = /([\d.]+) examples\/sec on (.+)/.exec(stdout);
  return m ? { rate: Number(m[1]), device: (m[2] as string).trim() } : undefined;
}

async function ours(size: number, images: number, batch: number, timeoutS: number): Promise<Outcome> {
  const out = mkdtempSync(join(tmpdir(), 'bench-e2e-run-'));
  try {
    const pnpm = join(ROOT, 'node_modules/.bin/pnpm');
    const args = ['train', '--epochs', '1', '--subset', `${images},${TEST_IMAGES}`, '--resize', String(size)];
    const r = await runTimed(pnpm, [...args, '--batch-size', String(batch), '--out', out], timeoutS);
    const got = examplesLine(r.stdout);
    if (r.code !== 0 || !got) return { error: why(r, timeoutS) };
    return { examplesPerSec: got.rate, wallS: r.wallS, device: got.device };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function pytorch(data: TensorFiles, size: number, batch: number, timeoutS: number): Promise<Outcome> {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const args = [join(HERE, 'pytorch_train_ch6.py'), '--data', data.train, '--count', String(data.count)];
  args.push('--test-data', data.test, '--test-count', String(data.testCount), '--size', String(size));
  const r = await runTimed(python, [...args, '--batch', String(batch)], timeoutS);
  let parsed: { error?: string; torch?: string; threads?: number; examplesPerSec?: number } = {};
  try {
    parsed = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  } catch {
    return { error: why(r, timeoutS) };
  }
  if (parsed.error || parsed.examplesPerSec === undefined) return { error: parsed.error ?? why(r, timeoutS) };
  const threads = `${parsed.threads} thread${parsed.threads === 1 ? '' : 's'}`;
  return { examplesPerSec: parsed.examplesPerSec, wallS: r.wallS, device: `cpu (torch ${parsed.torch}, ${threads})` };
}

interface TensorFiles {
  train: string;
  test: string;
  count: number;
  testCount: number;
}

/** The images `pnpm train` draws (same sample, seed and resize), as float32 NHWC then int32 labels. */
async function writeTensors(dir: string, size: number, images: number): Promise<TensorFiles> {
  await import('../../packages/d2l/src/backend.ts'); // quiets TF.js's banner (PROD)
  const { loadDataFashionMnist } = await import('../../packages/d2l/src/fashion-mnist.ts');
  const data = await loadDataFashionMnist({
    batchSize: Math.max(images, TEST_IMAGES),
    resize: size,
    subset: { train: images, test: TEST_IMAGES },
    seed: 0,
  });
  const write = (iter: typeof data.train, file: string) => {
    const { value } = iter.batches().next();
    if (!value) throw new Error('no images');
    const x = value.x.dataSync() as Float32Array;
    const y = Int32Array.from(value.y.dataSync());
    writeFileSync(file, Buffer.concat([Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer)]));
    const count = value.y.shape[0];
    value.x.dispose();
    value.y.dispose();
    return count;
  };
  const train = join(dir, `train-${size}.bin`);
  const test = join(dir, `test-${size}.bin`);
  return { train, test, count: write(data.train, train), testCount: write(data.test, test) };
}

export async function run(): Promise<{ name: string; rows: Row[]; notes: string[] }> {
  const sizes = envList('BENCH_E2E_SIZES', '28,96');
  const counts = envList('BENCH_E2E_IMAGES', '4096,512');
  const rounds = Math.max(1, Number(process.env.BENCH_E2E_ROUNDS ?? 3));
  const batch = envList('BENCH_E2E_BATCH', '32')[0] ?? 32;
  const rows: Row[] = [];
  const loads: string[] = [loadavg()[0]?.toFixed(2) ?? '?'];
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  try {
    for (const [i, size] of sizes.entries()) {
      const images = counts[i] ?? counts.at(-1) ?? 512;
      const timeoutS = Math.max(300, (images / 10) * (size / 28) ** 2);
      const data = await writeTensors(dir, size, images);
      const got: { torch: Outcome; ours: Outcome }[] = [];
      for (let round = 0; round < rounds; round++) {
        // A B, then B A: whichever side a slow spell of the shared machine hits, it hits both alike.
        let torch: Outcome;
        let mine: Outcome;
        if (round % 2 === 0) {
          mine = await ours(size, data.count, batch, timeoutS);
          torch = await pytorch(data, size, batch, timeoutS);
        } else {
          torch = await pytorch(data, size, batch, timeoutS);
          mine = await ours(size, data.count, batch, timeoutS);
        }
        got.push({ torch, ours: mine });
        loads.push(loadavg()[0]?.toFixed(2) ?? '?');
        process.stderr.write(
          `bench train-e2e: ${size} px round ${round + 1}/${rounds}: pnpm train ${'error' in mine ? mine.error : fmt(mine.examplesPerSec)}, PyTorch ${'error' in torch ? torch.error : fmt(torch.examplesPerSec)} examples/s\n`,
        );
      }
      for (const side of ['torch', 'ours'] as const) {
        const ok = got.flatMap((g) => ('error' in g[side] ? [] : [g[side] as Side]));
        const label = side === 'torch' ? 'PyTorch train_ch6 (d2l)' : 'pnpm train';
        if (ok.length === 0) {
          const first = got[0]?.[side];
          rows.push({
            size,
            images: data.count,
            run: label,
            'examples/s': `n/a (${first && 'error' in first ? first.error : 'no result'})`,
          });
          continue;
        }
        const ratios = got.flatMap((g) =>
          'error' in g.ours || 'error' in g.torch ? [] : [g.ours.examplesPerSec / g.torch.examplesPerSec],
        );
        rows.push({
          size,
          images: data.count,
          run: label,
          'examples/s': Number(fmt(median(ok.map((s) => s.examplesPerSec)))),
          'per round': ok.map((s) => fmt(s.examplesPerSec)).join(' / '),
          'vs PyTorch':
            side === 'ours' && ratios.length ? `${median(ratios).toFixed(2)}×` : side === 'torch' ? '1.00×' : '-',
          'ratio per round': side === 'ours' ? ratios.map((r) => r.toFixed(2)).join(' / ') : '',
          'wall s': Number(median(ok.map((s) => s.wallS)).toFixed(1)),
          device: ok[0]?.device ?? '-',
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: `end to end: pnpm train vs PyTorch's train_ch6, chapter ResNet-18, batch ${batch}, 1 epoch`,
    rows,
    notes: [
      `examples/s as each prints it (the book's Timer: the sum of the batch laps, first batch included, loading and test evaluation excluded); vs PyTorch is the median of the per-round ratios over ${rounds} round(s), sides alternating A B / B A`,
      'each side with its defaults: pnpm train as run from the repository (auto backend), PyTorch with its default threads and OpenMP policy; the same stratified sample (seed 0) resized the same way',
      `wall s: the whole process (start-up, data, training, test evaluation, saving); OMP_WAIT_POLICY is ${process.env.OMP_WAIT_POLICY ?? 'unset'}; load average (1 min) before and after each round: ${loads.join(', ')} on ${availableParallelism()} cores`,
    ],
  };
}
