// A command line for batch mode and merge on their own (the grader CLI offers the same through
// `pnpm grade --submissions` and `pnpm grade merge`); the kill -9 test runs the batch through it.
//   npx tsx grader/src/batch/main.ts --submissions DIR --out DIR [--jobs N] [--shard I/N] [--hidden] [--only NAME,...]
//        [--backend B] [--seed N] [--timeout SECONDS] [--grade-command JSON_ARGV] [--grader-version V] [--retry-failed]
// Its defaults are the CLI's (seed 0, backend auto, 15 minutes per submission).
//   npx tsx grader/src/batch/main.ts merge --out DIR SHARD_DIR...
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES, type BackendChoice } from '@course/d2l';
import { OPTIONS } from '../options.ts';
import { gradeBatch, parseShard } from './index.ts';
import { mergeShards } from './merge.ts';

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      submissions: { type: 'string' },
      out: { type: 'string' },
      jobs: { type: 'string', default: OPTIONS.jobs.default },
      shard: { type: 'string' },
      hidden: { type: 'boolean', default: false },
      backend: { type: 'string', default: OPTIONS.backend.default },
      seed: { type: 'string', default: OPTIONS.seed.default },
      only: { type: 'string' },
      assignment: { type: 'string' },
      timeout: { type: 'string' },
      'grade-command': { type: 'string' },
      'grader-version': { type: 'string' },
      'retry-failed': { type: 'boolean', default: false },
    },
  });
  if (!values.out) fail('--out DIR is required: the folder for results, reports and gradebook.csv');
  if (positionals[0] === 'merge') {
    await mergeShards(positionals.slice(1), values.out);
    return;
  }
  if (!values.submissions) fail('--submissions DIR is required: a folder with one sub-folder per student');
  if (!BACKEND_CHOICES.includes(values.backend as BackendChoice))
    fail(`--backend must be one of ${BACKEND_CHOICES.join(', ')}`);
  const gradeCommand = values['grade-command'] ? (JSON.parse(values['grade-command']) as string[]) : undefined;
  const summary = await gradeBatch({
    submissionsDir: values.submissions,
    outDir: values.out,
    jobs: Number(values.jobs),
    shard: values.shard ? parseShard(values.shard) : undefined,
    hidden: values.hidden,
    backend: values.backend as BackendChoice,
    seed: Number(values.seed),
    timeoutMs: values.timeout ? Number(values.timeout) * 1000 : undefined,
    gradeCommand,
    graderVersion: values['grader-version'],
    retryFailed: values['retry-failed'],
    only: values.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    assignment: values.assignment,
  });
  process.stderr.write(
    `${summary.total} submissions: ${summary.graded} graded, ${summary.skipped} kept from before, ${summary.errors} errors, ${summary.timeouts} timeouts → ${summary.gradebook}\n` +
      (summary.gone.length
        ? `left the gradebook (folder gone, moved to ${values.out}/gone/): ${summary.gone.join(', ')}\n`
        : ''),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
}
