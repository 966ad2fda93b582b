// Causes, not symptoms: each row of the causes table explains its evidence, and grading its fixture
// (one mistake, the other file correct) puts the cause on the text report's first failure line.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GradeReport } from '@course/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAUSES, callChain, diagnose, type Evidence } from './causes.ts';
import { gradeSubmission } from './grade.ts';
import { renderText } from './reporters/text.ts';
import { defaultExportOf } from './sandbox/diagnostics.ts';
import { FIXTURES, fixtureSubmission } from './test-helpers.ts';

const exception = (message: string, frames: string[] = [], call?: Extract<Evidence, { kind: 'exception' }>['call']) =>
  ({ kind: 'exception', message, frames, call }) as const;
const broadcast = (a: string, b: string) => `Operands could not be broadcast together with shapes ${a} ${b}`;

describe('the causes table', () => {
  it('names a fixture that exists for every row, and distinct ids', () => {
    for (const row of CAUSES) expect(existsSync(join(FIXTURES, row.fixture)), row.fixture).toBe(true);
    expect(new Set(CAUSES.map((r) => r.id)).size).toBe(CAUSES.length);
  });

  it('reads a broadcast error at the addition from its two shapes', () => {
    const frames = [
      'ap (bottleneck.ts:17:90)',
      'bottleneck (bottleneck.ts:26:10)',
      'bottleneckResnet (bottleneck.ts:40:11)',
    ];
    expect(diagnose(exception(broadcast('[22,22,256]', '[24,24,256]'), frames))?.id).toBe('padding-lost');
    expect(diagnose(exception(broadcast('[6,6,512]', '[12,12,512]')))?.id).toBe('stride-twice');
    // 3 → 2 in a block asked to stride: once too often, or trimmed; both are named.
    const strided = {
      fn: 'bottleneck',
      inputShape: [6, 6, 3],
      numChannels: 6,
      options: { strides: 2, use1x1conv: true },
    };
    expect(diagnose(exception(broadcast('[2,2,24]', '[3,3,24]'), [], strided))?.text).toMatch(
      /downsampled twice \(the stride is applied twice\) or trimmed by a 3×3 convolution without padding: 'same'/,
    );
    expect(
      diagnose(exception(broadcast('[4,4,12]', '[6,6,12]'), [], { ...strided, options: { strides: 1 } }))?.id,
    ).toBe('padding-lost');
    expect(diagnose(exception(broadcast('[24,24,256]', '[24,24,64]'), frames))?.text).toMatch(
      /shortcut has 64 channels but the branch 256.*use1x1conv: true.*bottleneck\.ts:40 \(bottleneckResnet\)\)$/,
    );
    // Halved and widened: the projection (with the stride) is what is missing, not a second stride.
    expect(diagnose(exception(broadcast('[12,12,512]', '[24,24,256]')))?.text).toMatch(
      /projection shortcut with the block’s stride/,
    );
    // A block called without use1x1conv: the operand equal to x is the identity shortcut.
    const call = { fn: 'bottleneck', inputShape: [6, 6, 12], numChannels: 3, options: { use1x1conv: false } };
    expect(diagnose(exception(broadcast('[6,6,3]', '[6,6,12]'), [], call))?.text).toMatch(
      /branch ends with 3 channels but its identity shortcut x has 12.*needs 12 filters \(4·numChannels\)/,
    );
    expect(diagnose(exception('Something else entirely'))).toBeUndefined();
  });

  it('names the layer to use for a tensor op on symbolic tensors, at run time and at compile time', () => {
    const runtime = "Argument 'a' passed to 'add' must be a Tensor or TensorLike, but got 'SymbolicTensor'";
    expect(diagnose(exception(runtime))?.text).toMatch(/tf\.add is a tensor op.*tf\.layers\.add\(\)\.apply/);
    const typeError = {
      kind: 'type-error',
      code: 2345,
      text: "Argument of type 'SymbolicTensor' is not assignable to parameter of type 'TensorLike | Tensor<Rank>'.",
      source: '  return tf.relu(tf.add(y, shortcut));',
    } as const;
    expect(diagnose(typeError)?.text).toMatch(
      /tf\.relu and tf\.add are tensor ops.*tf\.layers\.reLU\(\).*tf\.layers\.add\(\)/,
    );
    const cast = {
      kind: 'type-error',
      code: 2322,
      text: "Type 'SymbolicTensor | SymbolicTensor[] | Tensor<Rank> | Tensor<Rank>[]' is not assignable to type 'SymbolicTensor'.",
      source: '  return layer.apply(x);',
    } as const;
    expect(diagnose(cast)?.id).toBe('apply-needs-cast');
  });

  it('names the batch dimension written into tf.input’s shape, and only that rank mismatch', () => {
    const ndim = (e: number, f: number) =>
      `Input 0 is incompatible with layer conv2d_Conv2D1: expected ndim=${e}, found ndim=${f}`;
    expect(diagnose(exception(ndim(4, 5)))?.text).toMatch(
      /expects 4-dimensional input .* got 5 dimensions: tf\.input's shape leaves out the batch dimension/,
    );
    expect(diagnose(exception(ndim(4, 3)))).toBeUndefined();
  });

  it('names a default export where the grader calls a named one, from what the grader read in the file', () => {
    expect(diagnose({ kind: 'missing-export', fn: 'bottleneck', defaultExport: 'bottleneck' })?.text).toBe(
      "bottleneck is not exported by name: the file's default export is function bottleneck, but the grader calls the named export bottleneck; write `export function bottleneck(...)` (without `default`)",
    );
    expect(diagnose({ kind: 'missing-export', fn: 'bottleneck', defaultExport: '' })?.text).toMatch(
      /default export is an anonymous function/,
    );
    expect(diagnose({ kind: 'missing-export', fn: 'bottleneck' })).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'default-export-'));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return defaultExportOf(join(dir, name));
    };
    expect(file('a.ts', 'export default function bottleneck() {}')).toBe('bottleneck');
    expect(file('b.ts', 'function preact() {}\nexport default preact;')).toBe('preact');
    expect(file('c.ts', 'export default (x: number) => x;')).toBe('');
    expect(file('d.ts', 'export function bottleneck() {}')).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the student’s call chain innermost first', () => {
    expect(callChain(['bottleneck (bottleneck.ts:26:10)', 'bottleneckResnet (bottleneck.ts:40:11)'])).toBe(
      'at bottleneck.ts:26 (bottleneck), called from bottleneck.ts:40 (bottleneckResnet)',
    );
    expect(callChain(['bottleneck.ts:3:1'])).toBe('at bottleneck.ts:3');
  });
});

/** The message line under the first FAIL/ERR line of the text report. */
function firstFailureLine(text: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^\s+(FAIL|ERR)\b/.test(l));
  return (lines[i + 1] ?? '').trim();
}

/** The first problem a student reads: the first type error (listed before the tasks), else the first failure. */
function firstProblemLine(text: string): string {
  const lines = text.split('\n');
  const types = lines.findIndex((l) => /^Type errors \(\d+\)$/.test(l));
  return types >= 0 ? (lines[types + 2] ?? '').trim() : firstFailureLine(text);
}

describe('grading each row’s fixture', () => {
  const reports = new Map<string, GradeReport>();
  beforeAll(async () => {
    // One at a time: each grading forks a child per file, and the machine is shared.
    for (const row of CAUSES)
      reports.set(
        row.fixture,
        await gradeSubmission({ submissionDir: fixtureSubmission(row.fixture), skipTraining: true }),
      );
  }, 600_000);

  it.each(CAUSES.map((r) => [r.id, r] as const))('%s: the first problem line names the cause', (_id, row) => {
    const text = renderText(reports.get(row.fixture) as GradeReport);
    expect(firstProblemLine(text)).toMatch(row.names);
  });

  it('says each type error once, and grades the code as it runs', () => {
    for (const fixture of ['cause-tensor-op', 'cause-missing-cast']) {
      const report = reports.get(fixture) as GradeReport;
      const text = renderText(report);
      expect(report.typeErrors?.total, fixture).toBeGreaterThan(0);
      expect(text.match(/error TS\d+/g), fixture).toHaveLength(report.typeErrors?.total ?? 0);
      // The student's own line, under the error.
      expect(text, fixture).toMatch(/\d+ \| .*return/);
      // Nothing is blocked by a type error.
      expect(text, fixture).not.toMatch(/blocked by the compile error/);
    }
    // The missing cast is a type error only: the block runs and builds the right network, so a correct file
    // keeps every behavioural point.
    const cast = reports.get('cause-missing-cast') as GradeReport;
    expect(cast.typeErrors?.total).toBe(1);
    const ran = cast.checks.filter((c) => c.status !== 'skipped');
    expect(ran.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(cast.score).toBe(
      cast.maxScore - cast.checks.filter((c) => c.status === 'skipped').reduce((s, c) => s + c.maxScore, 0),
    );
  });
});

describe('a file that cannot load', () => {
  const reports = new Map<string, GradeReport>();
  beforeAll(async () => {
    for (const fixture of ['mistaken-syntax-error', 'mistaken-load-throw'])
      reports.set(
        fixture,
        await gradeSubmission({
          submissionDir: fixtureSubmission(fixture),
          checks: ['preact.builds', 'preact.shapes', 'preact.structure', 'bottleneck.builds'],
        }),
      );
  }, 300_000);

  it('names the file as the student knows it, once, with their line, and the checks it blocks point back', () => {
    const syntax = reports.get('mistaken-syntax-error') as GradeReport;
    const text = renderText(syntax);
    // Never a path from the grader's working directory (../../tmp/…, ../source/…).
    expect(firstFailureLine(text)).toMatch(/^compile error: preact\.ts:\d+:\d+: Expected "\)" but found ";"$/);
    expect(text).toMatch(/\d+ \| return ap\(tf\.layers\.add\(\), \[y, shortcut\];\n +\| +\^/);
    expect(text.match(/Expected "\)"/g)).toHaveLength(1);
    const status = (r: GradeReport, id: string) => r.checks.find((c) => c.id === id);
    expect(status(syntax, 'preact.shapes')?.message).toMatch(
      /^blocked by the compile error above \(preact\.ts:\d+:\d+\)$/,
    );
    expect(status(syntax, 'bottleneck.builds')?.status).toBe('passed');
  });

  it('reports a throw while loading once, at the student’s line', () => {
    const load = reports.get('mistaken-load-throw') as GradeReport;
    expect(firstFailureLine(renderText(load))).toMatch(
      /^the file threw while loading: .*JSON.* \(at preact\.ts:19:\d+\)$/,
    );
    expect(load.checks.find((c) => c.id === 'preact.structure')?.message).toMatch(
      /^blocked by the load error above \(preact\.ts:19:\d+\)$/,
    );
  });
});
