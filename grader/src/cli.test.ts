// The command line: exit codes, formats and flags (graded with a few cheap checks).

import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { failUnderPoints, main } from './cli.ts';
import { GradeReport } from './report-schema.ts';
import { FIXTURES } from './test-helpers.ts';

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
});
