// The Gradescope autograder zip: setup.sh and run_autograder at its root, beside the course's own files
// (Gradescope unpacks the zip into /autograder/source and runs setup.sh there once).
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { type Zippable, zipSync } from 'fflate';
import { filesUnder } from '../batch/submissions.ts';
import { REPO_ROOT } from '../grader-version.ts';

const HERE = new URL('./', import.meta.url).pathname;
const EXCLUDED = new Set(['node_modules', '.git', 'out', '.turbo', '.d2l-cache', 'runs']);
const EXECUTABLE = { os: 3, attrs: 0o100755 << 16 } as const;
const REGULAR = { os: 3, attrs: 0o100644 << 16 } as const;

/** The files a fresh clone would have (tracked or new, not ignored); without git, the tree minus build output. */
export async function courseFiles(root: string = REPO_ROOT): Promise<string[]> {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\0').filter((f) => f !== '' && !f.split('/').some((part) => EXCLUDED.has(part)));
  } catch {
    return (await filesUnder(root, EXCLUDED)).map((f) => f.split(sep).join('/'));
  }
}

/** Which assignment the zip grades: run_autograder reads it (a course repository holds several). */
export const ASSIGNMENT_FILE = 'gradescope-assignment.txt';

export async function buildGradescopeZip(opts: { outFile: string; assignment: string; root?: string }): Promise<void> {
  const root = opts.root ?? REPO_ROOT;
  const entries: Zippable = {};
  entries[ASSIGNMENT_FILE] = [new TextEncoder().encode(`${opts.assignment}\n`), REGULAR];
  for (const file of await courseFiles(root)) {
    const data = await readFile(join(root, file)).catch(() => undefined); // listed by git but deleted
    if (data) entries[file] = [new Uint8Array(data), REGULAR];
  }
  for (const script of ['setup.sh', 'run_autograder']) {
    entries[script] = [new Uint8Array(await readFile(join(HERE, script))), EXECUTABLE];
  }
  await writeFile(opts.outFile, zipSync(entries, { level: 6, mtime: new Date('2026-01-01T00:00:00Z') }));
}
