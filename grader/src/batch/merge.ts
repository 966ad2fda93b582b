// Joining the shards of a class graded on several machines: their result files are copied into one folder
// and the gradebook and summary are rebuilt from them, exactly as one machine would have written them.
// Merge says which shards it read, and warns when a shard of N is missing (its students would silently be
// absent from the gradebook otherwise).
import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@course/d2l/atomic-write';
import { finalizeBatch } from './finalize.ts';
import { type BatchResult, INSTRUCTOR_REPORTS, readAllResults, resultPath } from './result-file.ts';
import { readSimilarity, type SimilarityReport, writeSimilarity } from './similarity.ts';

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
  /** One line per folder read, and a warning per missing shard, as merge prints them. */
  lines: string[];
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

export async function mergeShards(
  dirs: string[],
  outDir: string,
  opts: { log?: (line: string) => void } = {},
): Promise<MergeReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (dirs.length === 0)
    throw new Error('merge needs at least one shard folder: pnpm grade merge --out DIR SHARD_DIR...');
  const chosen = new Map<string, { result: BatchResult; dir: string }>();
  const versions = new Set<string>();
  const read: ShardRead[] = [];
  let similarity: SimilarityReport | undefined;
  for (const dir of dirs) {
    const results = await readAllResults(dir);
    if (results.length === 0) throw new Error(`no results in '${dir}/results': is it the --out folder of a shard?`);
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
  if (similarity) await writeSimilarity(outDir, similarity);
  await finalizeBatch(outDir);
  const missing = missingShards(read);
  const lines = [
    ...read.map((r) => `read ${r.dir}: shard ${r.shards.join(', ')} (${r.results} results)`),
    ...missing.map(
      (m) => `warning: shard ${m} is missing: its students are not in the gradebook; merge its folder too`,
    ),
    `merged ${chosen.size} students into ${join(outDir, 'gradebook.csv')}`,
  ];
  for (const line of lines) log(line);
  return { read, missing, students: chosen.size, lines };
}
