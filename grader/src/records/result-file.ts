// One file per student under results/: the grade plus what it was graded from, so a resumed run can tell
// whether it still holds. It is written last and atomically, which makes it the submission's commit point.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GradeReport } from '@course/core';
import { writeFileAtomic } from '@course/d2l';
import { z } from 'zod';

export const BatchResult = z.object({
  student: z.string(),
  /** 'ungraded': written by merge for a student of the class that no shard has a result for (yet). */
  status: z.enum(['graded', 'error', 'timeout', 'ungraded']),
  contentHash: z.string(),
  graderVersion: z.string(),
  /** Hash of the settings that change a grade (hidden, seed, backend, command). */
  settings: z.string(),
  seconds: z.number(),
  finishedAt: z.string(),
  message: z.string().optional(),
  /** The shard (I of N) that graded it, so that merge can tell which shards it has and which are missing. */
  shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
  report: GradeReport.optional(),
});
export type BatchResult = z.infer<typeof BatchResult>;

/** The instructor's copies of the per-student reports (hidden checks included), OUT/instructor/<student>/. */
export const INSTRUCTOR_REPORTS = 'instructor';
/** Where the result and reports of a student whose folder is gone are moved to, OUT/gone/<student>/. */
export const GONE = 'gone';

export const resultsDir = (outDir: string) => join(outDir, 'results');
export const resultPath = (outDir: string, student: string) => join(resultsDir(outDir), `${student}.json`);

export async function writeResult(outDir: string, result: BatchResult): Promise<void> {
  await writeFileAtomic(resultPath(outDir, result.student), `${JSON.stringify(result, null, 2)}\n`);
}

/** The stored result, or undefined when there is none or it is unreadable (then it is graded again). */
export async function readResult(outDir: string, student: string): Promise<BatchResult | undefined> {
  try {
    const parsed = BatchResult.safeParse(JSON.parse(await readFile(resultPath(outDir, student), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function readAllResults(outDir: string): Promise<BatchResult[]> {
  let names: string[];
  try {
    names = await readdir(resultsDir(outDir));
  } catch {
    return [];
  }
  const students = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -5));
  const results = await Promise.all(students.map((s) => readResult(outDir, s)));
  return results
    .filter((r): r is BatchResult => r !== undefined)
    .sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
}
