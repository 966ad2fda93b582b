// The GPU check's measuring part: for every backend that loads here, the gradient numerics against the
// cpu backend and the training throughput of the chapter's ResNet-18, each backend in its own child
// process (a GPU driver that crashes takes one row with it, not the run). Prints the table last.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PathStatus } from '@course/d2l';
import {
  BACKEND_CHOICES,
  type BackendName,
  type CaseResult,
  compareWithCpu,
  releaseBackend,
  type Throughput,
  trainingThroughput,
  useBackend,
} from '@course/d2l';
import { buildArch } from '@course/resnet';
import { formatTable, type Row, summarizeNumerics } from './table.ts';

const USAGE = `usage: tsx scripts/gpu-check/check.ts [--arch resnet18] [--size 96] [--batch 64] [--steps 10] [--warmup 2]
       [--backends wasm,webgpu,tensorflow] [--tolerance 1e-3] [--timeout 600] [--json FILE]`;

const OPTIONS = {
  arch: { type: 'string', default: 'resnet18' },
  size: { type: 'string', default: '96' },
  batch: { type: 'string', default: '64' },
  steps: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '2' },
  backends: { type: 'string' },
  tolerance: { type: 'string', default: '1e-3' },
  timeout: { type: 'string', default: '600' },
  json: { type: 'string' },
  child: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function positive(values: Values, key: 'size' | 'batch' | 'steps' | 'warmup' | 'tolerance' | 'timeout'): number {
  const n = Number(values[key]);
  if (!(Number.isFinite(n) && n >= 0))
    throw new UsageError(`--${key} must be a non-negative number, got '${values[key]}'`);
  return n;
}

class UsageError extends Error {}

/** What one child reports: its backend's device, numerics and throughput. */
interface ChildReport {
  backend: BackendName;
  device: string;
  gpu: boolean;
  numerics: CaseResult[];
  throughput: Throughput | { problem: string };
}

async function child(values: Values): Promise<void> {
  const backend = values.child as BackendName;
  const info = await useBackend(backend, { quiet: true });
  const numerics = await compareWithCpu(backend);
  const size = positive(values, 'size');
  let throughput: ChildReport['throughput'];
  try {
    const model = buildArch(values.arch!, { inputShape: [size, size, 1] });
    try {
      throughput = await trainingThroughput(model, {
        batchSize: positive(values, 'batch'),
        steps: positive(values, 'steps'),
        warmup: positive(values, 'warmup'),
      });
    } finally {
      model.dispose();
    }
  } catch (err) {
    throughput = { problem: (err as Error).message.split('\n')[0]!.slice(0, 160) };
  }
  const report: ChildReport = { backend, device: info.device, gpu: info.gpu, numerics, throughput };
  process.stdout.write(`\n${JSON.stringify(report)}\n`);
}

/** Run a TypeScript entry point in a fresh Node with the same loader (tsx) as this one. */
function runTs(file: string, args: string[], timeoutS: number) {
  return spawnSync(process.execPath, [...process.execArgv, file, ...args], {
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, D2L_TRY_WEBGPU: '1' },
  });
}

const lastLine = (text: string | null) => (text ?? '').trim().split('\n').pop() ?? '';

async function parent(values: Values): Promise<void> {
  const timeoutS = positive(values, 'timeout');
  const tolerance = positive(values, 'tolerance');
  for (const key of ['size', 'batch', 'steps', 'warmup'] as const) positive(values, key);
  const wanted = values.backends?.split(',').map((s) => s.trim()) ?? ['tensorflow', 'webgpu', 'wasm'];
  const unknown = wanted.filter((b) => !BACKEND_CHOICES.includes(b as BackendName) || b === 'auto');
  if (unknown.length > 0) {
    throw new UsageError(`unknown backend '${unknown[0]}' in --backends: use tensorflow, webgpu, wasm or cpu`);
  }
  const probeRun = runTs(
    fileURLToPath(new URL('../../packages/d2l/src/cli/backends.ts', import.meta.url)),
    ['--json'],
    120,
  );
  const probe = JSON.parse(probeRun.stdout || '{"paths":[]}') as { paths: PathStatus[] };
  if (probe.paths.length === 0) throw new Error(`the backend probe failed: ${lastLine(probeRun.stderr)}`);

  const rows: Row[] = [];
  const reports: ChildReport[] = [];
  for (const backend of wanted) {
    const paths = probe.paths.filter((p) => p.backend === backend);
    if (!paths.some((p) => p.state === 'available')) {
      const why = paths.map((p) => `${p.label}: ${p.reason}`).join('; ') || 'unknown backend';
      rows.push({ backend, device: `n/a (${why})` });
      continue;
    }
    process.stderr.write(`gpu-check: measuring ${backend} …\n`);
    const forward = ['arch', 'size', 'batch', 'steps', 'warmup'].flatMap((k) => [
      `--${k}`,
      String(values[k as 'size']),
    ]);
    const run = runTs(fileURLToPath(import.meta.url), ['--child', backend, ...forward], timeoutS);
    let report: ChildReport | undefined;
    try {
      report = JSON.parse(lastLine(run.stdout)) as ChildReport;
    } catch {
      const why = run.error ? `timed out after ${timeoutS} s` : lastLine(run.stderr) || `exit code ${run.status}`;
      rows.push({ backend, device: `failed (${why.slice(0, 160)})` });
      continue;
    }
    reports.push(report);
    rows.push({
      backend,
      device: report.device,
      numerics: summarizeNumerics(report.numerics, tolerance),
      imagesPerSec: 'imagesPerSec' in report.throughput ? report.throughput.imagesPerSec : undefined,
      note: 'problem' in report.throughput ? report.throughput.problem : undefined,
    });
  }
  if (values.json)
    writeFileSync(values.json, `${JSON.stringify({ options: values, probe: probe.paths, reports }, null, 2)}\n`);
  const title = `${values.arch} (d2l) at ${values.size} px, batch ${values.batch}, ${values.steps} timed steps after ${values.warmup} warm-up`;
  process.stdout.write(`\nGPU check: ${title}; numerics = max relative error of conv/batch-norm gradients vs cpu\n`);
  for (const line of formatTable(rows)) process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  let values: Values;
  try {
    ({ values } = parseArgs({ options: OPTIONS, strict: true }));
  } catch (err) {
    process.stderr.write(`gpu-check: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    await (values.child ? child(values) : parent(values));
    return 0;
  } catch (err) {
    process.stderr.write(`gpu-check: ${(err as Error).message.split('\n')[0]}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

main()
  .then(async (code) => {
    await releaseBackend();
    // A child has said all it has to say; do not let a driver thread keep it (and the parent) waiting.
    if (process.argv.includes('--child')) process.exit(code);
    process.exitCode = code;
  })
  .catch(() => process.exit(1));
