// A graded class on disk for the hand-grading tests: submission folders with answers.md, and an OUT
// folder whose results/ hold reports shaped by the resnet manifest (auto tasks scored, written tasks
// pending), as a batch run leaves them.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest, type Manifest } from '@course/core';
import { REPO_ROOT } from '../grader-version.ts';
import { writeResult } from '../records/result-file.ts';
import { sampleReport } from '../reporters/sample-report.ts';

export interface FixtureStudent {
  /** Points per auto task id; tasks not named score 0. Absent: the grader crashed on this submission. */
  auto?: Record<string, number>;
  answers?: string;
}

export interface ClassFixture {
  root: string;
  submissions: string;
  out: string;
  manifest: Manifest;
}

/** The resnet manifest, with a deadline and late policy for the tests (the real one has none). */
export function fixtureManifest(extra: Partial<Manifest> = {}): Manifest {
  return { ...loadManifest(join(REPO_ROOT, 'assignments/resnet/manifest.json')), ...extra };
}

export async function makeGradedClass(
  students: Record<string, FixtureStudent>,
  manifest: Manifest = fixtureManifest(),
): Promise<ClassFixture> {
  const root = mkdtempSync(join(tmpdir(), 'hand-grading-'));
  const submissions = join(root, 'submissions');
  const out = join(root, 'out');
  for (const [student, s] of Object.entries(students)) {
    const folder = join(submissions, student);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'bottleneck.ts'), `// ${student}\n`);
    if (s.answers !== undefined) writeFileSync(join(folder, 'answers.md'), s.answers);
    const base = {
      student,
      contentHash: `sha256:${student}`,
      graderVersion: 'test',
      settings: 'test',
      seconds: 1,
      finishedAt: '2026-03-02T10:00:00.000Z',
    };
    if (!s.auto) {
      await writeResult(out, { ...base, status: 'error', message: 'the grader crashed' });
      continue;
    }
    const tasks = manifest.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      exercise: t.exercise,
      kind: t.kind,
      status: t.kind === 'manual' ? ('manual-pending' as const) : ('graded' as const),
      score: t.kind === 'manual' ? 0 : (s.auto?.[t.id] ?? 0),
      maxScore: t.points,
    }));
    const score = tasks.reduce((sum, t) => sum + t.score, 0);
    const maxScore = tasks.filter((t) => t.kind === 'auto').reduce((sum, t) => sum + t.maxScore, 0);
    const report = sampleReport({ assignment: manifest.assignment, tasks, score, maxScore });
    report.submission.path = folder;
    await writeResult(out, { ...base, status: 'graded', report });
  }
  return { root, submissions, out, manifest };
}
