import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@course/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pruneLockfile } from './lockfile.ts';

const LOCK = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    devDependencies:
      '@course/tool':
        specifier: workspace:*
        version: link:tool
      shared:
        specifier: ^1.0.0
        version: 1.0.0

  tool:
    dependencies:
      only-tool:
        specifier: ^2.0.0
        version: 2.0.0(shared@1.0.0)
      shared:
        specifier: ^1.0.0
        version: 1.0.0

packages:

  deep@3.0.0:
    resolution: {integrity: sha512-deep}

  only-tool@2.0.0:
    resolution: {integrity: sha512-only}
    peerDependencies:
      shared: '*'

  shared@1.0.0:
    resolution: {integrity: sha512-shared}
    engines: {node: '>=18'}

  wrap-cjs@4.0.0:
    resolution: {integrity: sha512-wrap}

snapshots:

  deep@3.0.0: {}

  only-tool@2.0.0(shared@1.0.0):
    dependencies:
      deep: 3.0.0
      shared: 1.0.0

  shared@1.0.0:
    dependencies:
      wrap: wrap-cjs@4.0.0

  wrap-cjs@4.0.0: {}
`;

describe('the released lockfile', () => {
  it('drops a left-out importer, dependencies on it, and what only it reached', () => {
    const pruned = pruneLockfile(LOCK, { importers: new Set(['tool']), packages: new Set(['@course/tool']) });
    const lock = parse(pruned);
    expect(Object.keys(lock.importers)).toEqual(['.']);
    expect(Object.keys(lock.importers['.'].devDependencies)).toEqual(['shared']);
    // shared reaches wrap-cjs through an alias; deep and only-tool were reached through the tool alone.
    expect(Object.keys(lock.packages)).toEqual(['shared@1.0.0', 'wrap-cjs@4.0.0']);
    expect(Object.keys(lock.snapshots)).toEqual(['shared@1.0.0', 'wrap-cjs@4.0.0']);
    // pnpm's own layout stays: flow maps, blank lines between entries.
    expect(pruned).toContain(
      "  shared@1.0.0:\n    resolution: {integrity: sha512-shared}\n    engines: {node: '>=18'}\n\n",
    );
  });

  it('keeps every byte of a lockfile it has nothing to prune from (the repository’s own)', () => {
    const text = readFileSync(join(REPO_ROOT, 'pnpm-lock.yaml'), 'utf8');
    expect(pruneLockfile(text, { importers: new Set(), packages: new Set() })).toBe(text);
    expect(pruneLockfile(LOCK, { importers: new Set(), packages: new Set() })).toBe(LOCK);
  });

  it('refuses a lockfile version it does not know, and a snapshot it cannot find', () => {
    expect(() => pruneLockfile("lockfileVersion: '6.0'\n", { importers: new Set(), packages: new Set() })).toThrow(
      /lockfileVersion 6.0; the release prunes version 9/,
    );
    const missing = LOCK.replace('  deep@3.0.0: {}\n\n', '');
    expect(() => pruneLockfile(missing, { importers: new Set(), packages: new Set() })).toThrow(
      /names deep@3.0.0 but has no snapshot of it/,
    );
  });
});
