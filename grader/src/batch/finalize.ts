// Everything derived from results/ (gradebook and class summary) is rebuilt from those files alone, by the
// batch at its end and by merge, so both give the same bytes for the same results.
import { join } from 'node:path';
import { writeFileAtomic } from '@course/d2l';
import { loadGradebookContext, writeGradebook } from '../records/gradebook.ts';
import { type BatchResult, readAllResults } from '../records/result-file.ts';
import { readSimilarity, SIMILARITY_HTML } from './similarity.ts';
import { summarize, summaryHtml, summaryMarkdown } from './summary.ts';

export interface Finalized {
  results: BatchResult[];
  files: { gradebook: string; summaryMd: string; summaryHtml: string };
}

export async function finalizeBatch(outDir: string): Promise<Finalized> {
  const results = await readAllResults(outDir);
  const similarity = readSimilarity(outDir);
  const summary = summarize(results, {
    similarity: similarity && { page: SIMILARITY_HTML, identical: similarity.identical.map((g) => g.students) },
  });
  const files = {
    gradebook: join(outDir, 'gradebook.csv'),
    summaryMd: join(outDir, 'summary.md'),
    summaryHtml: join(outDir, 'summary.html'),
  };
  // Hand grades (OUT/hand-grades.json) and hand-in times are merged in; see docs/hand-grading.md.
  writeGradebook(outDir, results, loadGradebookContext(outDir, results));
  await writeFileAtomic(files.summaryMd, summaryMarkdown(summary));
  await writeFileAtomic(files.summaryHtml, await summaryHtml(summary));
  return { results, files };
}
