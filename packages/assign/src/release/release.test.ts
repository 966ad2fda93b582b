// The release. The quick part (about 30 s) writes copies of HEAD and scans them; the slow part installs
// the default release (every assignment) offline, runs its own test command, grades its stubs and grades
// every TypeScript file of it as a submission of each assignment: about 9.5 minutes on 2 shared cores
// (install 0.5, the released tests 4.2, the adversary 4 for 217 gradings).
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { listAssignments, loadAssignment, REPO_ROOT } from '@course/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { expectedStubs } from '../stubs.ts';
import { gradeReleaseFiles } from './adversary.ts';
import { secretLines } from './leaks.ts';
import { assignmentsIn, markedFolders, placeRule, planRelease } from './plan.ts';
import { deadLinks, hiddenIds, type ReleaseResult, release, snapshot, stubReport } from './release.ts';
import { ReleaseCiError, releasedCiSteps, verifyReleaseCi } from './verify.ts';

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

const temp = mkdtempSync(join(tmpdir(), 'resnet-release-'));
/** The resnet assignment's release, which the slow part installs and attacks. */
const out = join(temp, 'student');
/** Every assignment of HEAD in one release (the default). */
const everyOut = join(temp, 'every');
let result: ReleaseResult;
let every: ReleaseResult;
const head = snapshot();

beforeAll(() => {
  result = release(out, { assignments: ['resnet'] });
  every = release(everyOut);
});
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

const plan = (files: Record<string, string>) =>
  Object.fromEntries(
    planRelease(Object.entries(files).map(([path, text]) => ({ path, text }))).map((a) => [a.path, a.kind]),
  );

describe('what is instructor-only is a matter of where it lives', () => {
  it('leaves out paths with an `instructor` segment and folders holding a .instructor-only marker', () => {
    expect(
      plan({
        'assignments/x/instructor/solution/a.ts': 'export const a = 1;',
        'assignments/x/instructor/manifest.json': '{}',
        'docs/instructor/release.md': '# r',
        'tools/secret/.instructor-only': '',
        'tools/secret/deep/builder.ts': 'export {}',
        'tools/public.ts': 'export {}',
        'assignments/x/src/a.ts': 'export const a = 0;',
      }),
    ).toEqual({
      'assignments/x/instructor/solution/a.ts': 'skip',
      'assignments/x/instructor/manifest.json': 'skip',
      'docs/instructor/release.md': 'skip',
      'tools/secret/.instructor-only': 'skip',
      'tools/secret/deep/builder.ts': 'skip',
      'tools/public.ts': 'copy',
      'assignments/x/src/a.ts': 'copy',
    });
    expect(markedFolders(['a/b/.instructor-only', 'c.ts'])).toEqual(new Set(['a/b']));
    expect(placeRule('a/instructors/x.ts', new Set())).toBeUndefined();
  });

  it('drops test code that names a left-out place or imports dropped test code, and keeps the rest', () => {
    expect(
      plan({
        'g/fixtures/.instructor-only': '',
        'g/fixtures/ok/a.ts': 'x',
        'g/src/test-helpers.ts': "export const F = join(here, '../fixtures');",
        'g/src/uses-helper.test.ts': "import { F } from './test-helpers.ts';",
        'g/src/by-root.test.ts': "const s = join(ROOT, 'g/fixtures/ok');",
        'g/src/reference.test.ts': "import * as s from '../../assignments/x/instructor/solution/a.ts';",
        'assignments/x/instructor/solution/a.ts': 'export const a = 1;',
        'g/src/audience.test.ts': "forAudience(report, 'instructor'); import './grade.ts';",
        'g/src/grade.ts': "const hidden = join(dir, 'instructor', 'manifest.json');",
      }),
    ).toMatchObject({
      'g/src/test-helpers.ts': 'skip',
      'g/src/uses-helper.test.ts': 'skip',
      'g/src/by-root.test.ts': 'skip',
      'g/src/reference.test.ts': 'skip',
      // Naming the instructor audience is not naming a path; non-test code may point at where the
      // instructor's files would be (it copes with their absence).
      'g/src/audience.test.ts': 'copy',
      'g/src/grade.ts': 'copy',
    });
  });
});

describe('pnpm release', () => {
  it.each([
    ['resnet', () => out],
    ['every assignment', () => everyOut],
  ])('ships nothing that lives in an instructor place (%s)', (_, dir) => {
    const files = walk(dir());
    const marked = markedFolders(head.map((f) => f.path));
    expect(files.filter((f) => placeRule(f, marked) !== undefined)).toEqual([]);
    // The ones the issue found leaking, and the tools that know the answers.
    for (const gone of [
      'assignments/resnet/instructor/variants.ts',
      'assignments/resnet/instructor/conventions.ts',
      'packages/assign/src/release/release.ts',
    ]) {
      expect(files).not.toContain(gone);
    }
    expect(files.filter((f) => f.startsWith('grader/test-submissions/') || f.includes('/instructor/'))).toEqual([]);
  });

  it.each([
    ['resnet', () => [out, result] as const],
    ['every assignment', () => [everyOut, every] as const],
  ])('contains no line of any solution region (%s)', (_, which) => {
    const [out, result] = which();
    const reference = head.flatMap(({ path, text }) => (text === undefined ? [] : [{ path, text }]));
    const kept = new Set(result.written);
    const secrets = secretLines(reference, (path) => kept.has(path));
    // The reference's own exercise lines are among them, so the scan below has something to find.
    expect(secrets.size).toBeGreaterThan(20);
    const found = walk(out).flatMap((path) =>
      readFileSync(join(out, path), 'utf8')
        .split('\n')
        .filter((line) => secrets.has(line.trim()))
        .map((line) => `${path}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });

  it.each([
    ['resnet', () => out],
    ['every assignment', () => everyOut],
  ])('names no hidden check of any assignment (%s)', (_, dir) => {
    const ids = hiddenIds(head);
    expect(new Set(ids.map((i) => i.manifest)).size).toBe(assignmentsIn(head.map((f) => f.path)).length);
    const named = walk(dir()).filter((f) => ids.some(({ id }) => readFileSync(join(dir(), f), 'utf8').includes(id)));
    expect(named).toEqual([]);
  });

  it('holds the assignments asked for, and every assignment by default', () => {
    expect(result.assignments).toEqual(['resnet']);
    expect(readdirSync(join(out, 'assignments'))).toEqual(['resnet']);
    expect(every.assignments).toEqual(assignmentsIn(head.map((f) => f.path)));
    expect(readdirSync(join(everyOut, 'assignments')).sort()).toEqual(every.assignments);
    // No released package.json depends on a workspace package the release left out.
    for (const pkg of walk(out).filter((f) => f.endsWith('package.json'))) {
      expect(readFileSync(join(out, pkg), 'utf8'), pkg).not.toMatch(/@course\/(assign|assignment-resnet-chapter)"/);
    }
    expect(() => release(join(temp, 'none'), { assignments: ['nope'] })).toThrow(/--assignment nope: not in HEAD/);
  });

  it.each([
    ['resnet', () => out],
    ['every assignment', () => everyOut],
  ])('ships a lockfile whose importers are exactly its package.json files (%s)', (_, dir) => {
    // What `pnpm install --frozen-lockfile` compares before it installs anything.
    const lock = parseYaml(readFileSync(join(dir(), 'pnpm-lock.yaml'), 'utf8')) as {
      importers: Record<string, Record<string, Record<string, { specifier: string }>>>;
    };
    const manifests = walk(dir()).filter((f) => f.endsWith('package.json'));
    const folders = manifests.map((f) => (f === 'package.json' ? '.' : f.replace(/\/package\.json$/, '')));
    expect(Object.keys(lock.importers).sort()).toEqual([...folders].sort());
    for (const [i, file] of manifests.entries()) {
      const pkg = JSON.parse(readFileSync(join(dir(), file), 'utf8'));
      for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
        const locked = Object.fromEntries(
          Object.entries(lock.importers[folders[i]!]![field] ?? {}).map(([name, d]) => [name, d.specifier]),
        );
        expect(locked, `${file} ${field}`).toEqual(pkg[field] ?? {});
      }
    }
  });

  it('ships the stubs, the handouts and the public checks', () => {
    const files = new Set(walk(everyOut));
    for (const name of listAssignments()) {
      const assignment = loadAssignment(name);
      if (!existsSync(assignment.reference)) continue;
      for (const { stubPath, stub } of expectedStubs(assignment)) {
        expect(readFileSync(join(everyOut, relative(REPO_ROOT, stubPath)), 'utf8')).toBe(stub);
      }
    }
    for (const f of ['assignments/resnet/README.md', 'assignments/resnet/manifest.json', 'packages/d2l/src/train.ts']) {
      expect(files.has(f)).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')).scripts.release).toBeUndefined();
  });

  it('has the student README, and no Markdown link to a file it left out', () => {
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toMatch(/## What to implement\n\n### Residual Networks \(ResNet\): exercises\n/);
    expect(readme).toContain(
      '- `bottleneck.ts`: exercise 2: Table-1 variants: ResNet-50/101/152; exercise 3: The bottleneck block',
    );
    expect(readme).toMatch(/- `answers.md`: exercise 1: .*; exercise 5: .* \(graded by hand\)/);
    expect(readme).toContain('npx pnpm@10 grade   # the public checks on assignments/resnet/src');
    expect(readme).toMatch(/## Handing in/);
    expect(readme).not.toMatch(/\{\{|pnpm release|docs\/release|instructor\//);
    // With every assignment: a section each, and the others graded with --assignment.
    const all = readFileSync(join(everyOut, 'README.md'), 'utf8');
    for (const name of every.assignments.filter((a) => a !== 'resnet')) {
      expect(all).toContain(`npx pnpm@10 grade --assignment ${name}   # the public checks on assignments/${name}/`);
    }
    expect(deadLinks(out, walk(out))).toEqual([]);
    expect(deadLinks(everyOut, walk(everyOut))).toEqual([]);
    // The check itself finds a dead link.
    writeFileSync(join(out, 'dead.md'), 'see [the release](docs/instructor/release.md)\n');
    expect(deadLinks(out, [...walk(out)])).toEqual([{ path: 'dead.md', target: 'docs/instructor/release.md' }]);
    rmSync(join(out, 'dead.md'));
  });

  it('strips the family’s exercise bodies into "not implemented yet" throws', () => {
    const family = readFileSync(join(out, 'packages/resnet/src/resnet.ts'), 'utf8');
    expect(family).toContain("throw new Error('bottleneck: not implemented yet');");
    expect(result.actions.filter((a) => a.kind === 'strip').map((a) => a.path)).toContain(
      'packages/resnet/src/preact-resnet.ts',
    );
  });

  it('refuses a folder that is not empty, unless forced', () => {
    const busy = join(temp, 'busy');
    release(busy);
    writeFileSync(join(busy, 'mine.txt'), 'keep');
    expect(() => release(busy)).toThrow(/is not empty; choose a new folder or pass --force/);
    expect(readFileSync(join(busy, 'mine.txt'), 'utf8')).toBe('keep');
  });
});

describe('the adversary', () => {
  it('catches a complete solution placed anywhere in a release', { timeout: 300_000 }, async () => {
    // A release with one leak: the instructor's reference copied to an innocent-looking path.
    const fake = join(temp, 'fake-release');
    const resnet = loadAssignment('resnet');
    cpSync(resnet.workspace, join(fake, relative(REPO_ROOT, resnet.workspace)), { recursive: true });
    mkdirSync(join(fake, 'tools'), { recursive: true });
    cpSync(join(resnet.reference, 'bottleneck.ts'), join(fake, 'tools/builders.ts'));
    const found = await gradeReleaseFiles(fake, { assignments: ['resnet'] });
    expect(found.stubs.resnet).toBe(0);
    expect(found.leaks.map((l) => l.file)).toEqual(['tools/builders.ts']);
    expect(found.leaks[0]?.passed).toContain('bottleneck.builds');
  });
});

describe('the released CI', () => {
  it('is read from the released workflow files and .ci/run', () => {
    const steps = releasedCiSteps(everyOut);
    for (const name of every.assignments) {
      const workflow = `.github/workflows/grade-${name}.yml`;
      expect(steps).toContainEqual({
        source: `${workflow} › grade › Install`,
        command: 'npx -y pnpm@10 install --frozen-lockfile',
      });
      expect(steps.find((s) => s.source.startsWith(workflow) && / grade /.test(s.command))?.command).toBe(
        `npx pnpm@10 grade --assignment ${name} --out grade-report`,
      );
      expect(steps.filter((s) => s.source === `assignments/${name}/ci/gitlab-ci.yml › grade-${name}`)).toHaveLength(2);
    }
    expect(steps.at(-1)).toEqual({ source: '.ci/run', command: 'bash .ci/run' });
  });

  it('refuses a release whose install would fail, naming the step', { timeout: 300_000 }, () => {
    // The instructor's lockfile as it is (what releases shipped before the lockfile was pruned).
    const broken = join(temp, 'broken');
    cpSync(out, broken, { recursive: true });
    writeFileSync(join(broken, 'pnpm-lock.yaml'), readFileSync(join(REPO_ROOT, 'pnpm-lock.yaml')));
    let error: unknown;
    try {
      verifyReleaseCi(broken).cleanup();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ReleaseCiError);
    expect((error as Error).message).toMatch(
      /fails at \.github\/workflows\/grade-resnet\.yml › grade › Install \(`npx -y pnpm@10 install --frozen-lockfile`, exit 1[\s\S]*specifiers in the lockfile/,
    );
  });
});

describe('the released repository, as its own CI runs it', () => {
  it('passes every step of its CI in a fresh clone with empty caches, grades its stubs 0, and no file of it scores', {
    timeout: 2_400_000,
  }, async () => {
    const ci = verifyReleaseCi(everyOut, { log: (line) => console.log(`release CI: ${line}`) });
    try {
      expect(ci.steps.map((s) => s.source)).toEqual(releasedCiSteps(everyOut).map((s) => s.source));
      const report = stubReport(ci.clone);
      expect(every.assignments).toContain(report.assignment);
      expect(report.score).toBe(0);
      expect(report.checks.filter((c) => c.status !== 'skipped').length).toBeGreaterThan(0);
    } finally {
      ci.cleanup();
    }
    const adversary = await gradeReleaseFiles(everyOut, {
      assignments: every.assignments,
      log: (line) => console.log(`release adversary: ${line}`),
    });
    expect(adversary.attempts.length).toBeGreaterThan(0);
    expect(adversary.leaks).toEqual([]);
  });
});
