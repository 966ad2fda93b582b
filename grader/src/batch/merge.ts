// Joining the shards of a class graded on several machines: their result files are copied into one folder
// and the gradebook and summary are rebuilt from them, exactly as one machine would have written them.
import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@course/d2l/atomic-write';
import { finalizeBatch } from './finalize.ts';
import { type BatchResult, readAllResults, resultPath } from './result-file.ts';

export async function mergeShards(dirs: string[], outDir: string): Promise<void> {
  if (dirs.length === 0)
    throw new Error('merge needs at least one shard folder: pnpm grade merge --out DIR SHARD_DIR...');
  const chosen = new Map<string, { result: BatchResult; dir: string }>();
  const versions = new Set<string>();
  for (const dir of dirs) {
    const results = await readAllResults(dir);
    if (results.length === 0) throw new Error(`no results in '${dir}/results': is it the --out folder of a shard?`);
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
    const reports = join(dir, 'reports', student);
    const target = join(outDir, 'reports', student);
    if (
      reports !== target &&
      (await stat(reports).then(
        () => true,
        () => false,
      ))
    ) {
      await cp(reports, target, { recursive: true, force: true });
    }
    if (resultPath(dir, student) !== resultPath(outDir, student)) {
      await writeFileAtomic(resultPath(outDir, student), `${JSON.stringify(result, null, 2)}\n`);
    }
  }
  await finalizeBatch(outDir);
}
