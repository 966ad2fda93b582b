// The released pnpm-lock.yaml: the instructor's lockfile pruned to what the released package.json files
// ask for. A student's CI installs with --frozen-lockfile, which fails when an importer's specifiers differ
// from its package.json; resolving again (`pnpm install --lockfile-only`) would need registry metadata and
// could pick newer versions than the instructor tested. Pruning adds no resolution: every kept entry is
// the instructor's, byte for byte in meaning.
import { parseDocument } from 'yaml';

type Deps = Record<string, { specifier: string; version: string }>;
type SnapshotDeps = Record<string, string>;

interface Lockfile {
  lockfileVersion: string;
  importers?: Record<string, Partial<Record<DepField, Deps>> & Record<string, unknown>>;
  packages?: Record<string, unknown>;
  snapshots?: Record<
    string,
    { dependencies?: SnapshotDeps; optionalDependencies?: SnapshotDeps } & Record<string, unknown>
  >;
  [key: string]: unknown;
}

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
type DepField = (typeof DEP_FIELDS)[number];

export interface LockfilePrune {
  /** Importer folders (relative to the root, '.' for the root) that the release leaves out. */
  importers: ReadonlySet<string>;
  /** Workspace package names the release leaves out: no kept importer may depend on them. */
  packages: ReadonlySet<string>;
}

/** The snapshot key a dependency entry points at: `name@version`, or the alias target itself (`npm:`-less in v9). */
function snapshotKey(name: string, version: string): string | undefined {
  if (version.startsWith('link:') || version.startsWith('file:')) return undefined;
  // An alias (`string-width-cjs: string-width@4.2.3`) names its target; a plain version does not.
  return /^(@[^/@]+\/)?[^@/(][^@(]*@/.test(version) ? version : `${name}@${version}`;
}

/** `vite@8.3.8(@types/node@20.19.43)(…)` → `vite@8.3.8`: the packages section is keyed without peers. */
const packageKey = (key: string) => key.replace(/\(.*$/, '');

/**
 * The lockfile text with the left-out importers and dependencies removed, and every package and snapshot
 * that no kept importer reaches any more dropped. Throws on a lockfile version it does not know.
 */
export function pruneLockfile(text: string, prune: LockfilePrune): string {
  // The document keeps pnpm's own layout (flow maps, blank lines, quoting) for everything that stays.
  const doc = parseDocument(text);
  const lock = doc.toJS() as Lockfile;
  if (!/^9\./.test(String(lock.lockfileVersion)))
    throw new Error(
      `pnpm-lock.yaml has lockfileVersion ${lock.lockfileVersion}; the release prunes version 9 (pnpm 9 and 10)`,
    );
  const importers = lock.importers ?? {};
  const reached = new Set<string>();
  const queue: string[] = [];
  const reach = (name: string, version: string) => {
    const key = snapshotKey(name, version);
    if (key && !reached.has(key)) {
      reached.add(key);
      queue.push(key);
    }
  };
  for (const folder of Object.keys(importers)) {
    if (prune.importers.has(folder)) {
      doc.deleteIn(['importers', folder]);
      continue;
    }
    for (const field of DEP_FIELDS) {
      const deps = importers[folder]![field];
      if (!deps) continue;
      const kept = Object.keys(deps).filter((name) => !prune.packages.has(name));
      if (kept.length === 0) doc.deleteIn(['importers', folder, field]);
      else
        for (const name of Object.keys(deps))
          if (!kept.includes(name)) doc.deleteIn(['importers', folder, field, name]);
      for (const name of kept) reach(name, deps[name]!.version);
    }
  }
  const snapshots = lock.snapshots ?? {};
  for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
    const snapshot = snapshots[key];
    if (!snapshot) throw new Error(`pnpm-lock.yaml names ${key} but has no snapshot of it; run pnpm install first`);
    for (const deps of [snapshot.dependencies, snapshot.optionalDependencies])
      for (const [name, version] of Object.entries(deps ?? {})) reach(name, version);
  }
  const keptPackages = new Set([...reached].map(packageKey));
  for (const key of Object.keys(snapshots)) if (!reached.has(key)) doc.deleteIn(['snapshots', key]);
  for (const key of Object.keys(lock.packages ?? {})) if (!keptPackages.has(key)) doc.deleteIn(['packages', key]);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
