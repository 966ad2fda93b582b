// One end-to-end batch through the real grader CLI (training off, three cheap checks), to prove the wiring:
// the child's argv, its JSON on stdout, the gradebook. The fake-grader tests cover the failure modes.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../grader-version.ts';
import { gradeBatch } from './index.ts';

const REFERENCE = join(REPO_ROOT, 'assignments/resnet/instructor/solution');
const ready = existsSync(join(REPO_ROOT, 'grader/src/cli.ts')) && existsSync(join(REFERENCE, 'bottleneck.ts'));

describe.skipIf(!ready)('gradeBatch with the real grader CLI', () => {
  it('grades the reference and a broken submission', { timeout: 400_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'batch-e2e-'));
    const submissions = join(root, 'submissions');
    cpSync(REFERENCE, join(submissions, 'reference'), { recursive: true });
    cpSync(REFERENCE, join(submissions, 'broken'), { recursive: true });
    writeFileSync(
      join(submissions, 'broken', 'bottleneck.ts'),
      "export function bottleneck(): never {\n  throw new Error('not done yet');\n}\nexport function bottleneckResnet(): never {\n  throw new Error('not done yet');\n}\n",
    );
    const summary = await gradeBatch({
      submissionsDir: submissions,
      outDir: join(root, 'out'),
      jobs: 2,
      hidden: false,
      backend: 'cpu',
      seed: 0,
      timeoutMs: 360_000,
      extraArgs: ['--skip-training', '--checks', 'bottleneck.builds,bottleneck.structure,preact.builds'],
      graderVersion: 'e2e',
      onProgress: () => {},
    });
    expect(summary.results.map((r) => [r.student, r.status, r.message ?? ''])).toEqual([
      ['broken', 'graded', ''],
      ['reference', 'graded', ''],
    ]);
    const [broken, reference] = summary.results.map((r) => r.report!);
    const status = (report: typeof broken, id: string) => report?.checks.find((c) => c.id === id)?.status;
    expect(status(reference, 'bottleneck.builds')).toBe('passed');
    expect(status(reference, 'bottleneck.structure')).toBe('passed');
    expect(status(broken, 'bottleneck.builds')).not.toBe('passed');
    expect(status(broken, 'preact.builds')).toBe('passed');
    const rows = parse(readFileSync(summary.gradebook, 'utf8'), { columns: true, bom: true }) as Array<
      Record<string, string>
    >;
    expect(Number(rows[0]?.total)).toBeLessThan(Number(rows[1]?.total));
    expect(rows[1]?.backend).toBe('cpu');
  });
});
