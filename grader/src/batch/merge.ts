// Joining the shards of a class graded on several machines: their result files are copied into one folder
// and the gradebook and summary are rebuilt from them, exactly as one machine would have written them.
// Merge says which shards it read, and warns when a shard of N is missing (its students would silently be
// absent from the gradebook otherwise). Given the class (--submissions), it does better: every student
// without a result gets an 'ungraded' row saying why, so a shard that was cancelled or never ran is in
// the gradebook as what it is, and the one-line reason says what to do.
import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@course/d2l';
import {
  type BatchResult,
  INSTRUCTOR_REPORTS,
  readAllResults,
  readResult,
  resultPath,
} from '../records/result-file.ts';
import { finalizeBatch } from './finalize.ts';
import { shardOf } from './shard.ts';
import { readSimilarity, type SimilarityReport, writeSimilarity } from './similarity.ts';
import { classOf } from './submissions.ts';

export interface ShardRead {
  dir: string;
  /** 'I/N' for the shards the results were graded in; 'whole class' for an unsharded run. */
  shards: string[];
  results: number;
}

export interface MergeReport {
  read: ShardRead[];
  /** Shard numbers of N that no folder held, e.g. ['3/4']. */
  missing: string[];
  students: number;
  /** Students of the class (with `submissionsDir`) that no shard has a result for: 'ungraded' rows. */
  ungraded: string[];
  /** One line per folder read, a warning per missing shard or group of ungraded students, the devices. */
  lines: string[];
}

export interface MergeOptions {
  log?: (line: string) => void;
  /**
   * The class: a student folder here with no result in any shard gets an 'ungraded' row, and a shard
   * folder without results (its machine never got to it) is read as empty instead of refused.
   */
  submissionsDir?: string;
  /** Why a student has no result, for its row and merge's warning (default: its shard has none). */
  ungradedReason?: (student: string, shard: { index: number; count: number } | undefined) => string;
}

/** What ran the grading, one line per backend, device and training profile, with how many students. */
export function deviceLines(results: readonly BatchResult[]): string[] {
  const counts = new Map<string, number>();
  for (const r of results) {
    if (!r.report) continue;
    const { name, device } = r.report.backend;
    const key = `ran on ${name}: ${device}, training profile ${r.report.trainingProfile}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => `${key} (${n} ${n === 1 ? 'student' : 'students'})`);
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

export function missingShards(read: readonly ShardRead[]): string[] {
  const seen = new Set(read.flatMap((r) => r.shards));
  const counts = new Set([...seen].filter((s) => s.includes('/')).map((s) => Number(s.split('/')[1])));
  const missing: string[] = [];
  for (const count of [...counts].sort((a, b) => a - b)) {
    for (let index = 1; index <= count; index++) if (!seen.has(`${index}/${count}`)) missing.push(`${index}/${count}`);
  }
  return missing;
}

export async function mergeShards(dirs: string[], outDir: string, opts: MergeOptions = {}): Promise<MergeReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (dirs.length === 0)
    throw new Error('merge needs at least one shard folder: pnpm grade merge --out DIR SHARD_DIR...');
  const chosen = new Map<string, { result: BatchResult; dir: string }>();
  const versions = new Set<string>();
  const read: ShardRead[] = [];
  let similarity: SimilarityReport | undefined;
  for (const dir of dirs) {
    const results = await readAllResults(dir);
    if (results.length === 0 && !opts.submissionsDir)
      throw new Error(`no results in '${dir}/results': is it the --out folder of a shard?`);
    const shards = [...new Set(results.map((r) => (r.shard ? `${r.shard.index}/${r.shard.count}` : 'whole class')))];
    read.push({ dir, shards: shards.sort(), results: results.length });
    // Every shard computes the similarity of the whole class; any one of them will do.
    similarity ??= readSimilarity(dir);
    for (const result of results) {
      versions.add(`${result.graderVersion} ${result.settings}`);
      const seen = chosen.get(result.student);
      // A student graded twice (a shard re-run into another folder): the later grade wins.
      if (!seen || seen.result.finishedAt < result.finishedAt) chosen.set(result.student, { result, dir });
    }
  }
  if (versions.size > 1) {
    throw new Error(
      `the shards were graded by different grader versions or settings (${[...versions].join(', ')}): re-run them with one grader`,
    );
  }
  for (const [student, { result, dir }] of chosen) {
    for (const kind of ['reports', INSTRUCTOR_REPORTS]) {
      const from = join(dir, kind, student);
      const to = join(outDir, kind, student);
      if (from !== to && (await exists(from))) await cp(from, to, { recursive: true, force: true });
    }
    if (resultPath(dir, student) !== resultPath(outDir, student)) {
      await writeFileAtomic(resultPath(outDir, student), `${JSON.stringify(result, null, 2)}\n`);
    }
  }
  const ungraded = opts.submissionsDir
    ? await markUngraded(opts.submissionsDir, outDir, new Set(chosen.keys()), read, opts.ungradedReason)
    : new Map<string, string[]>();
  if (similarity) await writeSimilarity(outDir, similarity);
  await finalizeBatch(outDir);
  const missing = missingShards(read);
  const lines = [
    ...read.map((r) =>
      r.results === 0
        ? `read ${r.dir}: no results`
        : `read ${r.dir}: shard ${r.shards.join(', ')} (${r.results} results)`,
    ),
    // With the class at hand the ungraded rows say it student by student; without it, a missing shard is
    // all merge can tell.
    ...(opts.submissionsDir
      ? [...ungraded].map(
          ([reason, students]) =>
            `warning: ${students.length} ${students.length === 1 ? 'student' : 'students'} not graded (${students.join(', ')}): ${reason}`,
        )
      : missing.map(
          (m) => `warning: shard ${m} is missing: its students are not in the gradebook; merge its folder too`,
        )),
    `merged ${chosen.size} students into ${join(outDir, 'gradebook.csv')}`,
    ...deviceLines([...chosen.values()].map((c) => c.result)),
  ];
  for (const line of lines) log(line);
  return { read, missing, students: chosen.size, ungraded: [...ungraded.values()].flat().sort(), lines };
}

/**
 * Writes an 'ungraded' result for each student of the class that has none in the shards (nor a real one
 * already in OUT from an earlier merge); returns them grouped by reason.
 */
async function markUngraded(
  submissionsDir: string,
  outDir: string,
  graded: ReadonlySet<string>,
  read: readonly ShardRead[],
  reason: MergeOptions['ungradedReason'],
): Promise<Map<string, string[]>> {
  const { everyone } = await classOf({ submissionsDir, outDir });
  const counts = [...new Set(read.flatMap((r) => r.shards).filter((s) => s.includes('/')))].map((s) =>
    Number(s.split('/')[1]),
  );
  // The shard count of the run; with none or several, the shard of a missing student is unknown.
  const count = counts.length === 1 ? counts[0] : undefined;
  const byReason = new Map<string, string[]>();
  for (const student of everyone) {
    if (graded.has(student)) continue;
    const earlier = await readResult(outDir, student);
    if (earlier && earlier.status !== 'ungraded') continue;
    const shard = count ? { index: shardOf(student, count), count } : undefined;
    const message =
      reason?.(student, shard) ??
      `no result in the shard folders merged${shard ? ` (its shard: ${shard.index}/${shard.count})` : ''}: grade it and merge again`;
    await writeFileAtomic(
      resultPath(outDir, student),
      `${JSON.stringify(
        {
          student,
          status: 'ungraded',
          contentHash: '',
          graderVersion: '',
          settings: '',
          seconds: 0,
          finishedAt: new Date().toISOString(),
          message,
          ...(shard ? { shard } : {}),
        } satisfies BatchResult,
        null,
        2,
      )}\n`,
    );
    byReason.set(message, [...(byReason.get(message) ?? []), student]);
  }
  return byReason;
}
