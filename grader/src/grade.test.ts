// End-to-end grading of real submissions: the reference, the stubs, a different correct solution, and the
// mistaken and hostile fixtures in grader/test-submissions. Training is left out here (training.test.ts).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadAssignment } from '@course/core';
import { forbidSyncReads } from '@course/d2l';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from './grade.ts';

const STUDENT_WORKSPACE = loadAssignment('resnet').workspace;

import type { CheckResult, GradeReport } from '@course/core';
import { FIXTURES, fixtureSubmission } from './test-helpers.ts';

const SOLUTION = join(FIXTURES, '../../assignments/resnet/instructor/solution');
const REFERENCE = existsSync(join(SOLUTION, 'preact.ts')) ? SOLUTION : join(FIXTURES, 'reference-scratch');

// Every check must also run on webgpu, which cannot read a tensor synchronously under Node: here no
// synchronous read is allowed either, on the passing paths and on every failing one the fixtures reach.
let allowSyncReads: () => void;
beforeAll(() => {
  allowSyncReads = forbidSyncReads();
});
afterAll(() => allowSyncReads());

const BLOCK_CHECKS = ['bottleneck', 'preact'].flatMap((b) =>
  ['builds', 'shapes', 'params', 'structure', 'identity'].map((k) => `${b}.${k}`),
);
const NET_CHECKS = ['deep.builds', 'deep.shapes', 'deep.params', 'preact-net.shapes', 'preact-net.params'];

const check = (r: GradeReport, id: string): CheckResult => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
};

/** Run `jobs` at most `width` at a time (each grading forks two children; the machine has two cores). */
async function pool<T>(jobs: Array<() => Promise<T>>, width = 2): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await (jobs[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

describe('the reference and the stubs', () => {
  let reference: GradeReport;
  let stubs: GradeReport;
  let alternative: GradeReport;
  beforeAll(async () => {
    [reference, stubs, alternative] = (await pool([
      () => gradeSubmission({ submissionDir: REFERENCE, hidden: true, skipTraining: true }),
      () => gradeSubmission({ submissionDir: STUDENT_WORKSPACE, skipTraining: true }),
      () => gradeSubmission({ submissionDir: join(FIXTURES, 'alt-correct'), hidden: true, skipTraining: true }),
    ])) as [GradeReport, GradeReport, GradeReport];
  });

  it('gives the reference full marks on every check that ran, hidden ones included', () => {
    const ran = reference.checks.filter((c) => c.status !== 'skipped');
    expect(ran.map((c) => [c.id, c.status, c.message]).filter(([, s]) => s !== 'passed')).toEqual([]);
    expect(ran.every((c) => c.score === c.maxScore)).toBe(true);
    expect(reference.checks.filter((c) => c.status === 'skipped').map((c) => c.id)).toEqual([
      'bottleneck.training',
      'preact.training',
    ]);
    expect(reference.checks.some((c) => c.visibility === 'hidden')).toBe(true);
    expect(check(reference, 'deep.params').details?.convention).toMatch(/bias on/);
  });

  it('reports the manual tasks as pending with their points, and the limits in force', () => {
    const manual = reference.tasks.filter((t) => t.status === 'manual-pending');
    expect(manual.map((t) => [t.exercise, t.maxScore])).toEqual([
      [1, 10],
      [5, 10],
    ]);
    expect(reference.limits.permissionModel).toBe(true);
    expect(reference.limits.network).toMatch(/isolated|not isolated \(.+\)/);
  });

  it('gives the stubs zero, each check saying "not implemented yet"', () => {
    expect(stubs.score).toBe(0);
    expect(stubs.hiddenIncluded).toBe(false);
    expect(stubs.checks.some((c) => c.id.startsWith('hidden.') || c.visibility === 'hidden')).toBe(false);
    for (const c of stubs.checks.filter((x) => x.status !== 'skipped')) {
      expect(c.status, c.id).toBe('failed');
      expect(c.message, c.id).toBe(
        `${c.id.startsWith('deep') ? 'bottleneckResnet' : c.id.startsWith('preact-net') ? 'preactResnet18' : c.id.startsWith('preact') ? 'preactResidual' : 'bottleneck'}: not implemented yet`,
      );
    }
  });

  it('gives full marks to a different correct solution (stride on the first 1x1, no conv bias, own names)', () => {
    const ran = alternative.checks.filter((c) => c.status !== 'skipped');
    expect(ran.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(check(alternative, 'bottleneck.params').details?.convention).toMatch(/bias off/);
    expect(check(alternative, 'deep.params').message).toMatch(/bias off/);
  });
});

interface Case {
  fixture: string;
  /** The check that must lose points, and what its message must say. */
  loses: Record<string, RegExp>;
  /** Checks of the other file, which must still pass. */
  intact: string[];
  withNets?: boolean;
  /** Sandbox time limit; short only where the endless loop makes the wait the cost of the test. */
  timeoutMs?: number;
}

const BOTTLENECK_OK = ['preact.builds', 'preact.shapes', 'preact.params', 'preact.structure', 'preact.identity'];
const PREACT_OK = [
  'bottleneck.builds',
  'bottleneck.shapes',
  'bottleneck.params',
  'bottleneck.structure',
  'bottleneck.identity',
];

const MISTAKES: Case[] = [
  {
    fixture: 'mistaken-wrong-expansion',
    loses: {
      'bottleneck.builds': /identity shortcut x has 12.*broadcast.*4·numChannels.*bottleneck\.ts:\d+/,
      // Said once: the checks the same failure blocks point back to it.
      'bottleneck.shapes': /^blocked by the error above \(bottleneck\.builds\)$/,
    },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'mistaken-missing-bn',
    loses: {
      'bottleneck.structure': /too few BN|missing BN/,
      'bottleneck.params': /first difference at weighted layer/,
    },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'mistaken-relu-after-add',
    loses: { 'preact.structure': /ReLU after the addition/, 'preact.identity': /computes relu\(x\)/ },
    intact: PREACT_OK,
  },
  {
    fixture: 'mistaken-wrong-order',
    loses: { 'preact.structure': /wrong order.*expected BN → ReLU → Conv3x3/ },
    intact: PREACT_OK,
  },
  {
    fixture: 'mistaken-extra-block',
    loses: { 'deep.shapes': /expected 3 blocks .* found 4 blocks/, 'deep.params': /23,586,570/ },
    intact: ['bottleneck.shapes', 'bottleneck.params', 'preact.shapes'],
    withNets: true,
  },
  {
    fixture: 'mistaken-no-downsampling',
    loses: {
      'preact.shapes': /does not downsample/,
      'preact-net.shapes': /stage 2: expected 2 blocks → \[12,12,128\]/,
    },
    intact: PREACT_OK,
    withNets: true,
  },
  {
    fixture: 'mistaken-projection-always',
    loses: {
      'bottleneck.identity': /does not compute relu\(x\)/,
      'bottleneck.structure': /shortcut: unexpected Conv1x1/,
    },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'mistaken-no-residual',
    loses: { 'preact.structure': /no addition/, 'preact.identity': /no addition/ },
    intact: PREACT_OK,
  },
  {
    fixture: 'mistaken-stride-twice',
    loses: { 'bottleneck.shapes': /shrinks the image too much/ },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'mistaken-type-error',
    // Not blocked by its type error: it runs, fails at run time, and the failure points at the type error.
    loses: {
      'bottleneck.builds':
        /threw TypeError: tf\.layers\.conv2D is not a function .*TypeScript flags that line: bottleneck\.ts:5:\d+ \(error TS2551, under Type errors\)/,
    },
    intact: BOTTLENECK_OK,
  },
  {
    // The same mistakes inside nested models: the grader reads the layers inside them.
    fixture: 'mistaken-nested-sequential',
    loses: { 'bottleneck.structure': /branch: too few BN/, 'bottleneck.params': /first difference at weighted layer/ },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'mistaken-nested-model',
    loses: { 'preact.structure': /found ReLU after the addition/, 'preact.identity': /computes relu\(x\)/ },
    intact: PREACT_OK,
  },
  {
    fixture: 'mistaken-missing-export',
    loses: { 'preact.builds': /preactResidual is not exported/ },
    intact: PREACT_OK,
  },
];

const HOSTILE: Case[] = [
  { fixture: 'hostile-buffer-bomb', loses: { 'bottleneck.builds': /ran out of memory/ }, intact: BOTTLENECK_OK },
  {
    fixture: 'hostile-infinite-loop',
    loses: { 'bottleneck.builds': /timed out after 15 s/ },
    intact: BOTTLENECK_OK,
    timeoutMs: 15_000,
  },
  {
    fixture: 'hostile-memory-bomb',
    loses: { 'preact.builds': /ran out of memory \(heap limit 256 MB/ },
    intact: PREACT_OK,
  },
  {
    fixture: 'hostile-read-reference',
    loses: { 'bottleneck.builds': /forbidden import '\.\.\/.*solution\/bottleneck\.ts'/ },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'hostile-read-reference-runtime',
    loses: { 'bottleneck.builds': /denied by the sandbox/ },
    intact: BOTTLENECK_OK,
  },
  { fixture: 'hostile-spawn-shell', loses: { 'preact.builds': /denied by the sandbox/ }, intact: PREACT_OK },
  {
    fixture: 'hostile-spawn-shell-import',
    loses: { 'preact.builds': /forbidden import 'node:child_process'/ },
    intact: PREACT_OK,
  },
  { fixture: 'hostile-write-outside', loses: { 'bottleneck.builds': /denied by the sandbox/ }, intact: BOTTLENECK_OK },
  { fixture: 'hostile-network', loses: { 'preact.builds': /forbidden import 'node:net'/ }, intact: PREACT_OK },
  {
    fixture: 'hostile-fake-output',
    // Its fake reply (for a key of an older format, or with an empty model) and its non-string message.
    loses: { 'bottleneck.builds': /protocol violation: the child process sent (a reply for|a message that is not)/ },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'hostile-patch-tfjs',
    loses: { 'bottleneck.params': /171 trainable \/ 171 total/, 'bottleneck.structure': /missing BN/ },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'hostile-giant-topology',
    loses: { 'bottleneck.builds': /too large to grade: 300,030,000 parameters, allowed 100,000/ },
    intact: BOTTLENECK_OK,
  },
  {
    // Refused with one line on the raw JSON, before any recursive walk, rebuild or sizing.
    fixture: 'hostile-nested-deep',
    loses: { 'bottleneck.builds': /cannot be graded: it is nested more than 64 levels deep/ },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'hostile-nested-calls',
    loses: { 'preact.builds': /cannot be graded: its nested models, .* make more than 2,000 layer calls/ },
    intact: PREACT_OK,
  },
  {
    fixture: 'hostile-duplicate-reply',
    loses: { 'preact.builds': /protocol violation: the child process sent a second reply for "preactResidual/ },
    intact: PREACT_OK,
  },
  {
    fixture: 'hostile-unasked-key',
    loses: {
      'bottleneck.builds': /protocol violation: .*"bottleneck\|never-asked", which the grader did not ask for/,
      'bottleneck.structure': /^blocked by the error above \(bottleneck\.builds\)$/,
    },
    intact: BOTTLENECK_OK,
  },
  {
    fixture: 'hostile-custom-layer',
    loses: { 'preact.builds': /class 'SneakyAdd'.*not a TF\.js built-in layer/ },
    intact: PREACT_OK,
  },
];

const PLANTED = [
  '/tmp/grader-hostile-spawn-shell',
  '/tmp/grader-hostile-spawn-shell-import',
  '/tmp/grader-hostile-write-outside.json',
];

describe.each([
  ['mistaken', MISTAKES],
  ['hostile', HOSTILE],
])('%s submissions', (_kind, cases) => {
  const reports = new Map<string, GradeReport>();
  beforeAll(async () => {
    for (const f of PLANTED) rmSync(f, { force: true });
    const graded = await pool(
      cases.map(
        (c) => () =>
          gradeSubmission({
            submissionDir: fixtureSubmission(c.fixture),
            checks: c.withNets ? [...BLOCK_CHECKS, ...NET_CHECKS] : BLOCK_CHECKS,
            // Short limits keep the endless loop cheap; ResNet-152 needs longer to build on a busy machine.
            limits: c.withNets ? { timeoutMs: 120_000 } : { timeoutMs: c.timeoutMs ?? 30_000, heapMb: 256 },
          }),
      ),
    );
    for (const [i, c] of cases.entries()) reports.set(c.fixture, graded[i] as GradeReport);
  });

  it.each(cases.map((c) => [c.fixture, c] as const))(
    '%s loses points on the right check, and the rest is graded',
    (_name, c) => {
      const report = reports.get(c.fixture) as GradeReport;
      for (const [id, pattern] of Object.entries(c.loses)) {
        const got = check(report, id);
        expect(got.score, id).toBeLessThan(got.maxScore);
        expect(['failed', 'error']).toContain(got.status);
        expect(got.message.split('\n')).toHaveLength(1);
        expect(got.message).toMatch(pattern);
      }
      for (const id of c.intact)
        expect([id, check(report, id).status, check(report, id).message]).toEqual([id, 'passed', expect.any(String)]);
    },
  );

  it('leaves no trace outside the sandbox', () => {
    for (const f of PLANTED) expect(existsSync(f), f).toBe(false);
  });
});

describe('determinism', () => {
  it('grades the same submission and seed to the same JSON apart from timings', async () => {
    const strip = (r: GradeReport) =>
      JSON.stringify({ ...r, startedAt: '', durationMs: 0, checks: r.checks.map((c) => ({ ...c, durationMs: 0 })) });
    const opts = {
      submissionDir: join(FIXTURES, 'mistaken-missing-bn'),
      checks: ['bottleneck.params', 'bottleneck.identity', 'bottleneck.structure'],
      seed: 7,
    };
    const [a, b] = await pool([() => gradeSubmission(opts), () => gradeSubmission(opts)]);
    expect(strip(a as GradeReport)).toBe(strip(b as GradeReport));
  });
});
