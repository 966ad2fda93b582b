// The command line: exit codes, formats and flags (graded with a few cheap checks).

import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { GradeReport } from '@course/core';
import { describe, expect, it } from 'vitest';
import { assignmentChecks } from './check-selection.ts';
import { failUnderPoints, main } from './cli.ts';
import { gradeSubmission } from './grade.ts';
import { FIXTURES } from './test-helpers.ts';
import { type WatchEvent, watchSubmission } from './watch.ts';

function capture(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

async function cli(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await main(args, out, err);
  return { code, out: out.text(), err: err.text() };
}

const SCRATCH = join(FIXTURES, 'reference-scratch');
const CHEAP = ['--checks', 'bottleneck.builds,bottleneck.shapes,preact.structure'];

describe('pnpm grade', () => {
  it('exits 2 with a one-line reason on a usage error', async () => {
    for (const args of [
      ['--format', 'yaml'],
      ['--backend', 'tpu'],
      ['--seed', '-1'],
      ['--nope'],
      ['--submission', '/no/such/dir'],
      ['bogus'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.split('\n')[0], args.join(' ')).toMatch(/^error: /);
    }
  });

  it('prints the GradeReport as JSON with --format json, and exits 0 whatever the score', async () => {
    const r = await cli(['--submission', SCRATCH, '--format', 'json', ...CHEAP]);
    expect(r.code).toBe(0);
    const report = GradeReport.parse(JSON.parse(r.out));
    expect(report.checks.filter((c) => c.status === 'passed').map((c) => c.id)).toEqual([
      'bottleneck.builds',
      'bottleneck.shapes',
      'preact.structure',
    ]);
    expect(report.score).toBe(15);
    expect(report.hiddenIncluded).toBe(false);
  });

  it('prints per-task totals and expected-vs-found lines in text, and gates with --fail-under', async () => {
    const r = await cli([
      '--submission',
      join(FIXTURES, 'mistaken-wrong-order'),
      '--format',
      'text',
      '--no-color',
      '--checks',
      'preact.structure',
      '--fail-under',
      '50%',
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/below --fail-under 50%/);
    expect(r.out).toMatch(/Exercise 4: Pre-activation block and ResNet-18 {2}0 \/ 35/);
    expect(r.out).toMatch(/FAIL +0\/6 +Layer order on the residual branch/);
    expect(r.out).toMatch(/expected +found/);
    expect(r.out).toMatch(/manual, pending \(10 points\)/);
    expect(r.out).not.toContain('\u001b[');
  });

  it('reads --fail-under as points or as a percentage', () => {
    expect(failUnderPoints('60', 80)).toBe(60);
    expect(failUnderPoints('75%', 80)).toBe(60);
    expect(() => failUnderPoints('lots', 80)).toThrow(/points .* or a percentage/);
  });

  it('rejects an unknown --checks id with exit 2 and the list of valid ids', async () => {
    const r = await cli(['--submission', SCRATCH, '--checks', 'bottleneck.builds,nope']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: unknown check id 'nope'; valid ids: deep\.builds, .*bottleneck\.builds/);
    expect(r.out).toBe('');
  });

  it('shows each check’s id in the text report, so that --checks can re-run it', async () => {
    const r = await cli(['--submission', SCRATCH, '--no-color', '--checks', 'bottleneck.builds']);
    expect(r.out).toMatch(/PASS +3\/3 +bottleneck\(\) returns a symbolic tensor {2}bottleneck\.builds/);
  });

  it('with --out writes every format and prints only the short text report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grade-out-'));
    const r = await cli([
      '--submission',
      join(FIXTURES, 'mistaken-wrong-order'),
      '--format',
      'html',
      '--out',
      dir,
      '--no-color',
      '--checks',
      'preact.structure',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/<html|<!doctype/i);
    expect(r.out).toMatch(/FAIL +0\/6 +Layer order on the residual branch/);
    // Short: the branch tables are in the files, not on the terminal.
    expect(r.out).not.toMatch(/expected +found/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/expected/);
    expect(r.err).toMatch(/wrote \d+ reports to .*report\.html/);
  });
});

describe('pnpm grade --format json through pnpm itself', () => {
  it('prints JSON alone on stdout (no pnpm banner), without --silent', async () => {
    const root = resolve(FIXTURES, '../..');
    const { stdout } = await promisify(execFile)(
      'npx',
      ['pnpm@10', 'grade', '--format', 'json', '--submission', SCRATCH, '--checks', 'bottleneck.builds'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    const report = GradeReport.parse(JSON.parse(stdout));
    expect(report.checks.find((c) => c.id === 'bottleneck.builds')?.status).toBe('passed');
  }, 120_000);
});

describe('pnpm grade --watch', () => {
  it('re-grades on save, only the checks of the file that changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grade-watch-'));
    for (const f of ['bottleneck.ts', 'preact.ts']) copyFileSync(join(SCRATCH, f), join(dir, f));
    const known = assignmentChecks('resnet', false);
    const events: Array<WatchEvent & { report: GradeReport }> = [];
    const stop = new AbortController();
    const done = watchSubmission({
      submissionDir: dir,
      known,
      selected: ['bottleneck.builds', 'preact.builds'],
      debounceMs: 100,
      grade: (checks) => gradeSubmission({ assignment: 'resnet', submissionDir: dir, checks }),
      onReport: (report, event) => {
        events.push({ ...event, report });
        // After the first grading, the student saves a broken preact.ts.
        if (events.length === 1)
          writeFileSync(join(dir, 'preact.ts'), "export function preactResidual() { throw new Error('oops'); }\n");
        else stop.abort();
      },
      signal: stop.signal,
    });
    await done;
    expect(events.map((e) => [e.changed, e.rerun])).toEqual([
      [[], ['bottleneck.builds', 'preact.builds']],
      [['preact.ts'], ['preact.builds']],
    ]);
    const last = events[1]?.report as GradeReport;
    const status = (id: string) => last.checks.find((c) => c.id === id)?.status;
    // bottleneck.ts was not re-graded: its result is the first grading's, and the totals add up.
    expect([status('bottleneck.builds'), status('preact.builds')]).toEqual(['passed', 'error']);
    expect(last.score).toBe(3);
  }, 180_000);
});
