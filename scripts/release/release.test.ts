// The release (slow-ish: it writes a copy of the repository and, when the grader CLI exists,
// installs it offline and grades the stubs there).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedStubs } from '../packages/resnet/src/stubs.ts';
import { hiddenCheckIds, secretLines } from './release/leaks.ts';
import { EXCLUDED, planFile } from './release/plan.ts';
import { INSTALL_ARGS, REPO, type ReleaseResult, release, runIn, snapshot } from './release.ts';

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

const temp = mkdtempSync(join(tmpdir(), 'resnet-release-'));
const out = join(temp, 'student');
let result: ReleaseResult;

beforeAll(() => {
  result = release(out);
});
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

describe('pnpm release', () => {
  it('contains no line of any solution region', () => {
    const reference = snapshot().flatMap(({ path, text }) => (text === undefined ? [] : [{ path, text }]));
    const shipped = (path: string) => planFile(path, reference.find((f) => f.path === path)?.text).kind !== 'skip';
    const secrets = secretLines(reference, shipped);
    // The reference's own exercise lines are among them, so the scan below has something to find.
    expect(secrets).toContain('y = relu(bn(conv(y, numChannels, 3, strides)));');
    const found = walk(out).flatMap((path) =>
      readFileSync(join(out, path), 'utf8')
        .split('\n')
        .filter((line) => secrets.has(line.trim()))
        .map((line) => `${path}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });

  it('contains no hidden check, by file or by id', () => {
    const files = walk(out);
    expect(files.filter((f) => f.startsWith('grader/hidden/'))).toEqual([]);
    const ids = hiddenCheckIds(
      existsSync(join(REPO, 'grader/hidden/manifest.json'))
        ? readFileSync(join(REPO, 'grader/hidden/manifest.json'), 'utf8')
        : undefined,
    );
    const named = files.filter((f) => ids.some((id) => readFileSync(join(out, f), 'utf8').includes(id)));
    expect(named).toEqual([]);
  });

  it('leaves out every excluded path and ships the stubs, the handout and the public checks', () => {
    const files = new Set(walk(out));
    for (const { path } of EXCLUDED) expect([...files].filter((f) => f === path || f.startsWith(path))).toEqual([]);
    for (const { file, stub } of expectedStubs()) {
      expect(readFileSync(join(out, 'assignments/resnet/src', file), 'utf8')).toBe(stub);
    }
    for (const f of ['assignments/resnet/README.md', 'assignments/resnet/manifest.json', 'packages/d2l/src/train.ts']) {
      expect(files.has(f)).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')).scripts.release).toBeUndefined();
  });

  it('strips the family’s exercise bodies into "not implemented yet" throws', () => {
    const family = readFileSync(join(out, 'packages/resnet/src/resnet.ts'), 'utf8');
    expect(family).toContain("throw new Error('bottleneck: not implemented yet');");
    expect(result.actions.filter((a) => a.kind === 'strip').map((a) => a.path)).toContain(
      'packages/resnet/src/preact-resnet.ts',
    );
  });

  it('drops a test that needs instructor material, keeps the others', () => {
    expect(planFile('grader/src/x.test.ts', "import '../test-submissions/a.ts';")).toMatchObject({ kind: 'skip' });
    expect(planFile('grader/src/y.test.ts', "import './y.ts';")).toEqual({
      kind: 'copy',
      path: 'grader/src/y.test.ts',
    });
  });

  it('refuses a folder that is not empty, unless forced', () => {
    const busy = join(temp, 'busy');
    release(busy);
    writeFileSync(join(busy, 'mine.txt'), 'keep');
    expect(() => release(busy)).toThrow(/is not empty; choose a new folder or pass --force/);
    expect(readFileSync(join(busy, 'mine.txt'), 'utf8')).toBe('keep');
  });

  it.skipIf(!existsSync(join(REPO, 'grader/src/cli.ts')))(
    'installs offline on its own and grades the stub submission',
    () => {
      runIn(out, INSTALL_ARGS, 180_000);
      const report = JSON.parse(runIn(out, ['grade', '--format', 'json'], 240_000)) as {
        score: number;
        checks: Array<{ id: string; task: string; status: string; message: string }>;
      };
      expect(report.score).toBe(0);
      const exercise = report.checks.filter((c) => c.status !== 'skipped');
      expect(exercise.length).toBeGreaterThan(0);
      for (const check of exercise) {
        // The grader reports a stub as failed or error (its choice); either way it names the stub.
        expect(['error', 'failed'], check.id).toContain(check.status);
        expect(check.message, check.id).toMatch(/not implemented yet/);
      }
    },
    480_000,
  );
});
