// Intake: only the student's own regular files are read, and the hash covers exactly them. The
// end-to-end cases grade a submission whose bottleneck.ts is a link to the reference solution (made
// here, at test time), a FIFO, an oversized file, and a student folder that is itself a link.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GradeReport } from '@course/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradeBatch } from './batch/index.ts';
import { listSubmissions, submissionHash } from './batch/submissions.ts';
import { gradeSubmission } from './grade.ts';
import { MAX_FILE_BYTES, readSubmission } from './intake.ts';
import { FIXTURES, fixtureSubmission } from './test-helpers.ts';

const REPO = join(FIXTURES, '../..');
/** The instructor's reference solution, wherever this copy keeps it. */
const SOLUTION = ['assignments/resnet/instructor/solution', 'packages/resnet/src/solution']
  .map((d) => join(REPO, d))
  .find((d) => existsSync(join(d, 'bottleneck.ts')));

const BOTTLENECK = ['bottleneck.builds', 'bottleneck.shapes', 'bottleneck.params', 'bottleneck.structure'];
const PREACT = ['preact.builds', 'preact.shapes', 'preact.params', 'preact.structure'];
const CHECKS = [...BOTTLENECK, ...PREACT];

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'intake-'));
}

const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

describe('readSubmission', () => {
  it('reads regular source files, also in subfolders, and leaves other files out of the hash', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'bottleneck.ts'), 'export const a = 1;\n');
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'helpers.ts'), 'export const b = 2;\n');
    writeFileSync(join(dir, 'answers.md'), 'my answers\n');
    const first = readSubmission(dir);
    expect([...first.files.keys()]).toEqual(['bottleneck.ts', 'lib/helpers.ts']);
    expect(first.refused).toEqual([]);
    // answers.md is not graded, so editing it must not make a resumed batch regrade the submission.
    writeFileSync(join(dir, 'answers.md'), 'other answers\n');
    expect(readSubmission(dir).hash).toBe(first.hash);
    writeFileSync(join(dir, 'lib', 'helpers.ts'), 'export const b = 3;\n');
    expect(readSubmission(dir).hash).not.toBe(first.hash);
  });

  it('refuses links (to files and to folders), FIFOs and oversized files, one line each, and reads the rest', () => {
    const dir = scratch();
    const outside = scratch();
    writeFileSync(join(outside, 'secret.ts'), 'export const s = 1;\n');
    writeFileSync(join(dir, 'preact.ts'), 'export const p = 1;\n');
    symlinkSync(join(outside, 'secret.ts'), join(dir, 'bottleneck.ts'));
    symlinkSync(outside, join(dir, 'lib'));
    mkfifo(join(dir, 'pipe.ts'));
    writeFileSync(join(dir, 'big.ts'), `// ${'x'.repeat(MAX_FILE_BYTES)}\n`);
    const s = readSubmission(dir);
    expect([...s.files.keys()]).toEqual(['preact.ts']);
    expect(s.refused.map((r) => [r.file, r.reason.split(';')[0]])).toEqual([
      ['big.ts', expect.stringMatching(/^over 256 KB \(262,148 bytes/)],
      ['bottleneck.ts', 'a symbolic link'],
      ['lib', 'a symbolic link'],
      ['pipe.ts', 'a FIFO (named pipe)'],
    ]);
    // The hash is that of the graded file alone.
    const alone = scratch();
    writeFileSync(join(alone, 'preact.ts'), 'export const p = 1;\n');
    expect(s.hash).toBe(readSubmission(alone).hash);
  });

  it('bounds the source files in all: the file that would pass 4 MB is refused, the earlier ones are read', () => {
    const dir = scratch();
    const names = Array.from({ length: 17 }, (_, i) => `part${String(i).padStart(2, '0')}.ts`);
    for (const name of names) writeFileSync(join(dir, name), `// ${'x'.repeat(250 * 1024)}\n`);
    const s = readSubmission(dir);
    expect(s.files.size).toBe(16);
    expect(s.refused).toEqual([
      {
        file: 'part16.ts',
        reason: expect.stringMatching(/^over what is left of the 4 MB all source files may take together/),
      },
    ]);
  });

  it('refuses a submission folder that is itself a link, and batch mode lists it so the refusal is reported', async () => {
    const root = scratch();
    const real = scratch();
    writeFileSync(join(real, 'bottleneck.ts'), 'export const a = 1;\n');
    symlinkSync(real, join(root, 'linked-student'));
    mkdirSync(join(root, 'real-student'));
    const s = readSubmission(join(root, 'linked-student'));
    expect(s.files.size).toBe(0);
    expect(s.refused).toEqual([
      { file: '.', reason: expect.stringMatching(/^the submission folder 'linked-student' is a symbolic link/) },
    ]);
    expect(await listSubmissions(root)).toEqual(['linked-student', 'real-student']);
    expect(submissionHash(join(root, 'linked-student'))).toBe(submissionHash(join(root, 'real-student')));
  });
});

describe('grading refuses what intake refuses, and grades the rest', () => {
  const reports = new Map<string, GradeReport>();
  const cases: Record<string, (dir: string) => void> = {
    // The attack the issue starts from: a link to the instructor's reference scored full marks.
    'link to the reference': (dir) => {
      rmSync(join(dir, 'bottleneck.ts'));
      symlinkSync(join(SOLUTION ?? '/nonexistent', 'bottleneck.ts'), join(dir, 'bottleneck.ts'));
    },
    fifo: (dir) => {
      rmSync(join(dir, 'preact.ts'));
      mkfifo(join(dir, 'preact.ts'));
    },
    oversized: (dir) => {
      writeFileSync(join(dir, 'bottleneck.ts'), `// ${'x'.repeat(MAX_FILE_BYTES)}\n`, { flag: 'a' });
    },
  };
  beforeAll(async () => {
    for (const [name, make] of Object.entries(cases)) {
      const dir = fixtureSubmission('reference-scratch');
      make(dir);
      reports.set(name, await gradeSubmission({ submissionDir: dir, checks: CHECKS }));
    }
    const root = scratch();
    symlinkSync(fixtureSubmission('reference-scratch'), join(root, 'student'));
    reports.set('linked folder', await gradeSubmission({ submissionDir: join(root, 'student'), checks: CHECKS }));
  }, 300_000);

  const statusOf = (r: GradeReport, ids: string[]) =>
    ids.map((id) => {
      const c = r.checks.find((x) => x.id === id);
      return [id, c?.status, c?.score];
    });

  it.skipIf(!SOLUTION)('refuses a bottleneck.ts that links to the reference: 0 on that file, preact.ts graded', () => {
    const r = reports.get('link to the reference') as GradeReport;
    expect(r.submission.refused).toEqual([expect.stringMatching(/^bottleneck\.ts refused: a symbolic link; /)]);
    expect(statusOf(r, BOTTLENECK)).toEqual(BOTTLENECK.map((id) => [id, 'error', 0]));
    for (const id of BOTTLENECK)
      expect(r.checks.find((c) => c.id === id)?.message).toMatch(/bottleneck\.ts refused: a symbolic link;[^\n]*$/);
    expect(statusOf(r, PREACT).map(([id, s]) => [id, s])).toEqual(PREACT.map((id) => [id, 'passed']));
  });

  it('refuses a FIFO and an oversized file with one line naming them, and grades the other file', () => {
    const fifo = reports.get('fifo') as GradeReport;
    expect(fifo.submission.refused).toEqual([expect.stringMatching(/^preact\.ts refused: a FIFO/)]);
    expect(statusOf(fifo, PREACT).map(([id, s]) => [id, s])).toEqual(PREACT.map((id) => [id, 'error']));
    expect(statusOf(fifo, BOTTLENECK).map(([id, s]) => [id, s])).toEqual(BOTTLENECK.map((id) => [id, 'passed']));
    const big = reports.get('oversized') as GradeReport;
    expect(big.checks.find((c) => c.id === 'bottleneck.builds')?.message).toMatch(
      /bottleneck\.ts refused: over 256 KB \([\d,]+ bytes/,
    );
    expect(statusOf(big, PREACT).map(([id, s]) => [id, s])).toEqual(PREACT.map((id) => [id, 'passed']));
  });

  it('refuses a student folder that is itself a link, with one line', () => {
    const r = reports.get('linked folder') as GradeReport;
    expect(r.submission.refused).toEqual([
      expect.stringMatching(/^refused: the submission folder 'student' is a symbolic link/),
    ]);
    expect(r.score).toBe(0);
    expect(new Set(r.checks.filter((c) => c.status !== 'skipped').map((c) => c.status))).toEqual(new Set(['error']));
  });
});

describe('batch mode', () => {
  it('grades a student folder that is a link as refused, with its one line in that student’s report', {
    timeout: 300_000,
  }, async () => {
    const root = scratch();
    const submissions = join(root, 'submissions');
    mkdirSync(submissions);
    symlinkSync(fixtureSubmission('reference-scratch'), join(submissions, 'linked'));
    const summary = await gradeBatch({
      submissionsDir: submissions,
      outDir: join(root, 'out'),
      jobs: 1,
      hidden: false,
      backend: 'cpu',
      seed: 0,
      extraArgs: ['--skip-training', '--checks', 'bottleneck.builds,preact.builds'],
      graderVersion: 'intake-test',
      onProgress: () => {},
    });
    expect(summary.results.map((r) => [r.student, r.status])).toEqual([['linked', 'graded']]);
    const report = summary.results[0]?.report;
    expect(report?.submission.refused).toEqual([
      expect.stringMatching(/^refused: the submission folder 'linked' is a symbolic link/),
    ]);
    expect(report?.score).toBe(0);
  });
});
