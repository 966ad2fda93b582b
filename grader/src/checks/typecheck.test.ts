// Types count only where the instructor says so: the manifest's `typecheck` check, with its own points. Here
// the resnet assignment's manifest gets one per block function (in memory: the copy on disk is untouched),
// and a correct file with a type error keeps every behavioural point and loses exactly that check's.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GradeReport, ManifestCheck } from '@course/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const TYPE_CHECKS: ManifestCheck[] = ['bottleneck', 'preactResidual'].map((target) => ({
  id: `${target.toLowerCase()}.types`,
  task: target === 'bottleneck' ? 'ex3-bottleneck' : 'ex4-preact',
  title: `${target} type-checks`,
  points: 2,
  visibility: 'visible',
  kind: 'typecheck',
  target,
  feedback: 'Run npx pnpm@10 typecheck and fix what it reports.',
}));

vi.mock('@course/core', async (importOriginal) => {
  const real = await importOriginal<typeof import('@course/core')>();
  return {
    ...real,
    loadAssignment: (name?: string) => {
      const a = real.loadAssignment(name);
      if (a.name !== 'resnet') return a;
      const expected = JSON.parse(readFileSync(a.expectedFile, 'utf8')) as { checks: Record<string, unknown> };
      for (const c of TYPE_CHECKS) expected.checks[c.id] = { kind: 'typecheck' };
      const expectedFile = join(mkdtempSync(join(tmpdir(), 'typecheck-expected-')), 'expected.json');
      writeFileSync(expectedFile, JSON.stringify(expected));
      return { ...a, expectedFile, manifest: { ...a.manifest, checks: [...a.manifest.checks, ...TYPE_CHECKS] } };
    },
  };
});

const { gradeSubmission } = await import('../grade.ts');
const { parseManifest } = await import('@course/core');
const { fixtureSubmission } = await import('../test-helpers.ts');

describe('the typecheck check', () => {
  let cast: GradeReport;
  beforeAll(async () => {
    // A correct bottleneck.ts whose only fault is a type error (layer.apply returned without its cast).
    cast = await gradeSubmission({ submissionDir: fixtureSubmission('cause-missing-cast'), skipTraining: true });
  }, 300_000);

  it('fails only where the target function has a type error, pointing at it; every other check grades the code', () => {
    const byId = new Map(cast.checks.map((c) => [c.id, c]));
    expect(byId.get('bottleneck.types')).toMatchObject({ status: 'failed', score: 0, maxScore: 2 });
    expect(byId.get('bottleneck.types')?.message).toMatch(
      /^1 type error in bottleneck \(bottleneck\.ts:\d+:\d+\), listed under Type errors\. /,
    );
    expect(byId.get('preactresidual.types')).toMatchObject({ status: 'passed', score: 2 });
    const others = cast.checks.filter((c) => !c.id.endsWith('.types') && c.status !== 'skipped');
    expect(others.filter((c) => c.status !== 'passed').map((c) => c.id)).toEqual([]);
    expect(cast.typeErrors?.total).toBe(1);
  });

  it('is a manifest check kind with no cases, for a block or a network function', () => {
    const manifest = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../assignments/resnet/manifest.json'), 'utf8'),
    );
    const check = { ...TYPE_CHECKS[0], points: 0 };
    expect(() => parseManifest({ ...manifest, checks: [...manifest.checks, check] })).not.toThrow();
    expect(() =>
      parseManifest({
        ...manifest,
        checks: [...manifest.checks, { ...check, cases: [{ input: [4, 4, 4], args: [1] }] }],
      }),
    ).toThrow(/a typecheck check takes no cases/);
  });
});
