// The CLI bundle (grader/src/cli-bundle.mjs): it runs without tsx, and never once a source it was built
// from has changed.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GradeReport } from '@course/core';
import { describe, expect, it } from 'vitest';
import { buildBundle, DIST, ensureBundle, freshBundle } from './cli-bundle.mjs';
import { FIXTURES } from './test-helpers.ts';

const ROOT = resolve(FIXTURES, '../..');
const SCRATCH = join(FIXTURES, 'reference-scratch');
const run = promisify(execFile);

interface Current {
  dir: string;
  stamp: { sources: [string, string][]; externals: [string, number, number][]; bundler: string };
}

/** A dist folder whose current.json is the real one, edited; its build folder links to the real build. */
function editedDist(edit: (c: Current) => void): string {
  const dist = mkdtempSync(join(tmpdir(), 'cli-bundle-'));
  const current = JSON.parse(readFileSync(join(DIST, 'current.json'), 'utf8')) as Current;
  symlinkSync(join(DIST, current.dir), join(dist, current.dir));
  edit(current);
  writeFileSync(join(dist, 'current.json'), JSON.stringify(current));
  return dist;
}

/** A bundle in `dist` with one more recorded source, a real file, is stale once that file is edited, and rebuilt. */
async function editedSourceRebuilds(dist: string) {
  const first = await buildBundle(dist);
  const extra = join(dist, 'source.ts');
  writeFileSync(extra, 'export const answer = 1;\n');
  const current = JSON.parse(readFileSync(join(dist, 'current.json'), 'utf8')) as Current;
  current.stamp.sources.push([extra, createHash('sha1').update(readFileSync(extra)).digest('hex')]);
  writeFileSync(join(dist, 'current.json'), JSON.stringify(current));
  expect(freshBundle(dist)).toBe(first);
  writeFileSync(extra, 'export const answer = 2;\n'); // same size: the content decides, not the size or time
  expect(freshBundle(dist)).toBeUndefined();
  const second = await ensureBundle(dist);
  expect(second).toBeDefined();
  expect(second).not.toBe(first);
  expect(freshBundle(dist)).toBe(second);
  const rebuilt = JSON.parse(readFileSync(join(dist, 'current.json'), 'utf8')) as Current;
  expect(rebuilt.stamp.sources.map(([file]) => file)).not.toContain(extra);
  // Where no bundle can be built (here: its folder would be inside a file), none is served: the bin runs tsx.
  expect(await ensureBundle(join(extra, 'dist'))).toBeUndefined();
}

describe('the CLI bundle', () => {
  it('is built from the sources and grades with plain node, no TypeScript loader', async () => {
    const entry = await ensureBundle();
    expect(entry).toBeDefined();
    expect(freshBundle()).toBe(entry);
    const script = `const { main } = await import(${JSON.stringify(entry)}); process.exitCode = await main(process.argv.slice(1));`;
    const args = ['--format', 'json', '--submission', SCRATCH, '--checks', 'bottleneck.builds,preact.params'];
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const report = GradeReport.parse(JSON.parse(stdout));
    const status = (id: string) => report.checks.find((c) => c.id === id)?.status;
    expect([status('bottleneck.builds'), status('preact.params')]).toEqual(['passed', 'passed']);
  }, 180_000);

  it('is stale once a source it was built from differs, is gone, or the bundler changed', async () => {
    await ensureBundle();
    const intact = editedDist(() => {});
    expect(freshBundle(intact)).toBe(
      join(intact, JSON.parse(readFileSync(join(DIST, 'current.json'), 'utf8')).dir, 'cli.mjs'),
    );
    const changed = editedDist((c) => {
      const source = c.stamp.sources.find(([file]) => file.endsWith('grader/src/grade.ts'));
      expect(source).toBeDefined();
      if (source) source[1] = '0'.repeat(40);
    });
    expect(freshBundle(changed)).toBeUndefined();
    const gone = editedDist((c) => c.stamp.sources.push([join(dirname(SCRATCH), 'no-such-source.ts'), '0']));
    expect(freshBundle(gone)).toBeUndefined();
    const external = editedDist((c) => {
      const first = c.stamp.externals[0];
      if (first) first[1] += 1;
    });
    expect(freshBundle(external)).toBeUndefined();
    const bundler = editedDist((c) => {
      c.stamp.bundler = 'another';
    });
    expect(freshBundle(bundler)).toBeUndefined();
    expect(freshBundle(mkdtempSync(join(tmpdir(), 'cli-bundle-empty-')))).toBeUndefined();
  }, 180_000);

  it('lists every module it bundles among its sources, those only a lazy import or a worker loads included', async () => {
    await ensureBundle();
    const current = JSON.parse(readFileSync(join(DIST, 'current.json'), 'utf8')) as Current;
    const sources = new Set(current.stamp.sources.map(([file]) => file));
    for (const file of [
      'grader/src/cli.ts',
      'grader/src/grade.ts',
      'grader/src/sandbox/type-check.ts',
      'grader/src/sandbox/diagnostics-worker.ts', // the worker's own entry
      'grader/src/sandbox/diagnostics.ts', // loaded by the worker only
      'grader/src/checks/typecheck.ts',
      'packages/core/src/flat-topology.ts',
      'grader/src/reporters/inert.ts',
      'grader/src/reporters/index.ts', // a lazy chunk
      'grader/src/batch/index.ts', // a lazy chunk
      'packages/d2l/src/onednn/lazy.ts',
      'packages/d2l/package.json', // how @course/d2l's imports resolve
    ])
      expect(sources, file).toContain(join(ROOT, file));
  }, 180_000);

  it('is rebuilt, not served, once a file it was built from is edited', async () => {
    // A dist of its own with one more recorded source, a real file edited below; the rebuild reads the
    // workspace's sources again, so the new stamp no longer lists it.
    const dist = mkdtempSync(join(tmpdir(), 'cli-bundle-edit-'));
    try {
      await editedSourceRebuilds(dist);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  }, 180_000);

  it('builds from the package folder, where the install step runs', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'cli-bundle-install-'));
    const script = `const b = await import(${JSON.stringify(join(ROOT, 'grader/src/cli-bundle.mjs'))}); const e = await b.buildBundle(${JSON.stringify(dist)}); console.log(b.freshBundle(${JSON.stringify(dist)}) === e ? 'fresh' : 'stale');`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(ROOT, 'grader'),
    });
    expect(stdout.trim()).toBe('fresh');
  }, 120_000);

  it('leaves the sources to tsx when asked (D2L_GRADER_TSX=1)', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'grader/bin/grade.mjs'), '--help'], {
      cwd: ROOT,
      env: { ...process.env, D2L_GRADER_TSX: '1' },
    });
    expect(stdout).toMatch(/^usage:/);
  }, 120_000);
});
