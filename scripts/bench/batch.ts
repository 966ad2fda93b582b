// Batch throughput: copies of the reference submission graded by the real grader CLI with --jobs 1 and
// --jobs 2, in submissions per hour. Not part of the tests (it trains models); `pnpm bench` runs it.
// BENCH_BATCH_COPIES (default 3), BENCH_BACKEND (default auto), BENCH_GRADE_ARGS (extra grader flags).
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAssignment, REPO_ROOT } from '@course/core';
import type { BackendChoice } from '@course/d2l';
import { gradeBatch } from '@course/grader/batch';

const NAME = 'batch grading throughput';

export async function run(): Promise<{ name: string; rows: Record<string, string | number>[]; notes: string[] }> {
  const copies = Number(process.env.BENCH_BATCH_COPIES ?? 3);
  const reference = loadAssignment('resnet').reference;
  const cli = join(REPO_ROOT, 'grader/src/cli.ts');
  const missing = [reference, cli].filter((path) => !existsSync(path));
  if (missing.length > 0) {
    const why = `skipped: ${missing.join(', ')} not found (the student release has no reference solution)`;
    return { name: NAME, rows: [], notes: [why] };
  }

  const root = mkdtempSync(join(tmpdir(), 'bench-batch-'));
  const submissions = join(root, 'submissions');
  for (let i = 1; i <= copies; i += 1) {
    cpSync(reference, join(submissions, `student-${String(i).padStart(2, '0')}`), {
      recursive: true,
      filter: (src) => !src.endsWith('.test.ts'),
    });
  }
  const backend = (process.env.BENCH_BACKEND ?? 'auto') as BackendChoice;
  const extraArgs = process.env.BENCH_GRADE_ARGS?.split(' ').filter(Boolean) ?? [];
  const notes = [
    `${copies} copies of assignments/resnet/instructor/solution, public checks, backend ${backend}${extraArgs.length ? `, grader flags ${extraArgs.join(' ')}` : ''}, ${availableParallelism()} CPUs`,
    'each submission is one grader process; submissions/hour = submissions × 3600 / wall seconds of the whole batch',
  ];
  const rows: Record<string, string | number>[] = [];
  try {
    for (const jobs of [1, 2]) {
      const started = performance.now();
      const summary = await gradeBatch({
        submissionsDir: submissions,
        outDir: join(root, `out-jobs-${jobs}`),
        jobs,
        hidden: false,
        backend,
        seed: 0,
        extraArgs,
        onProgress: () => {},
      });
      const seconds = (performance.now() - started) / 1000;
      rows.push({
        jobs,
        submissions: summary.total,
        graded: summary.graded,
        'errors+timeouts': summary.errors + summary.timeouts,
        seconds: Math.round(seconds * 10) / 10,
        'submissions/hour': Math.round((summary.total * 3600) / seconds),
        'mean s/submission': Math.round((10 * summary.results.reduce((t, r) => t + r.seconds, 0)) / summary.total) / 10,
      });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { name: NAME, rows, notes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { name, rows, notes } = await run();
  console.log(name);
  console.table(rows);
  for (const note of notes) console.log(`- ${note}`);
}
