// The grader's one identity, in every report (`graderVersion`) and in every batch result (what a resumed
// batch compares): the package version alone would miss an edited check, so the code and the data that
// decide a grade are hashed too. The assignments' data is all of it: a manifest's points, checks and
// cases, the public and hidden expected data, the reference. Editing any of them is a new grader.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from '@course/core';

// Kept here too for the modules that have always imported it from here.
export { REPO_ROOT };

/** What decides a grade, relative to the repository root. */
export const GRADING_INPUTS = [
  'grader/package.json',
  'grader/src',
  'grader/templates',
  'assignments',
  'packages/core/src',
  'packages/resnet/src',
  'packages/d2l/src',
];

const SKIPPED = new Set(['node_modules', '.git']);

/** Every regular file under `path` (or `path` itself), sorted, as root-relative '/' paths. */
function filesOf(root: string, path: string): string[] {
  let stat: import('node:fs').Stats;
  try {
    stat = statSync(path);
  } catch {
    return [];
  }
  if (stat.isFile()) return [relative(root, path).split(sep).join('/')];
  if (!stat.isDirectory()) return [];
  return readdirSync(path)
    .filter((name) => !SKIPPED.has(name))
    .sort()
    .flatMap((name) => filesOf(root, join(path, name)));
}

/**
 * `<package version>+<12 hex digits>`: the digits hash every file of GRADING_INPUTS (path and bytes).
 * Not cached: a few hundred small files take milliseconds, and a long-lived process sees every edit.
 */
export function graderVersion(root: string = REPO_ROOT): string {
  const { version } = JSON.parse(readFileSync(join(root, 'grader/package.json'), 'utf8')) as { version: string };
  const hash = createHash('sha256');
  for (const input of GRADING_INPUTS) {
    const files = filesOf(root, join(root, input));
    hash.update(`${input}:${files.length}\n`);
    for (const file of files)
      hash
        .update(file)
        .update('\0')
        .update(readFileSync(join(root, file)))
        .update('\0');
  }
  return `${version}+${hash.digest('hex').slice(0, 12)}`;
}
