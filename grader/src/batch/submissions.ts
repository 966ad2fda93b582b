// A batch's input: one folder per student. A submission's hash is the intake's (grader/src/intake.ts):
// it covers exactly the files that are graded, so a resumed batch regrades exactly the submissions
// whose graded files changed.
import { readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../grade.ts';
import { readSubmission } from '../intake.ts';
import { inShard, type Shard } from './shard.ts';

const SKIPPED = new Set(['node_modules', '.git']);

/**
 * The student folders. A student folder that is itself a symbolic link is listed too, so that grading
 * refuses it with one line in that student's report (intake.ts) instead of leaving the student out.
 */
export async function listSubmissions(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    throw new Error(`cannot read the submissions folder '${dir}': pass --submissions DIR with one folder per student`);
  }
  return entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.') && !SKIPPED.has(e.name))
    .map((e) => e.name)
    .sort();
}

/** The whole class (every student folder) and the students of this run (its shard, --only). */
export async function classOf(opts: {
  submissionsDir: string;
  outDir: string;
  shard?: Shard;
  only?: string[];
}): Promise<{ everyone: string[]; students: string[] }> {
  const outDir = resolve(opts.outDir);
  // An --out folder inside --submissions is not a student, nor is a folder holding it (OUT/shards/I on Slurm).
  const holdsOut = (student: string) => {
    const folder = resolve(opts.submissionsDir, student);
    return outDir === folder || outDir.startsWith(folder + sep);
  };
  const everyone = (await listSubmissions(opts.submissionsDir)).filter((s) => !holdsOut(s));
  const unknown = (opts.only ?? []).filter((name) => !everyone.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--only ${unknown.join(', ')}: no such folder in ${opts.submissionsDir} (students: ${everyone.slice(0, 8).join(', ')}${everyone.length > 8 ? ', …' : ''})`,
    );
  }
  const students = everyone.filter((s) => inShard(s, opts.shard) && (!opts.only || opts.only.includes(s)));
  return { everyone, students };
}

/** The content hash of one student's submission: the graded files only, read without following links. */
export function submissionHash(folder: string): string {
  return readSubmission(folder).hash;
}

/** Every file under root, as paths relative to it, leaving out folders named in `skipped`. */
export async function filesUnder(root: string, skipped: ReadonlySet<string> = SKIPPED, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => !skipped.has(e.name))
      .map(async (e) => {
        const path = join(dir, e.name);
        if (e.isDirectory()) return filesUnder(root, skipped, path);
        return e.isFile() ? [relative(root, path)] : [];
      }),
  );
  return nested.flat();
}
