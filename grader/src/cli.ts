// `pnpm grade`: grade the student workspace, one submission, or a folder of them (batch), and print a
// report. Exit codes: 0 graded (whatever the score), 2 usage error, 1 the grader itself failed,
// 3 graded but below --fail-under.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { GradeReport } from '@course/core';
import { AssignmentError, assignmentFor, DEFAULT_ASSIGNMENT, loadAssignment, ManifestError } from '@course/core';
import { BACKEND_CHOICES, type BackendChoice, BackendUnavailableError, releaseBackend } from '@course/d2l';
import type { BatchOptions } from './batch/index.ts';
import type { Shard } from './batch/shard.ts';
import { assignmentChecks, parseChecksOption } from './check-selection.ts';
import { type GradeOptions, gradeSubmission, UsageError } from './grade.ts';
import { OPTIONS } from './options.ts';
import { renderText } from './reporters/text.ts';
import { watchSubmission } from './watch.ts';

const FORMATS = ['text', 'json', 'gradescope', 'junit', 'markdown', 'html'] as const;
type Format = (typeof FORMATS)[number];

export const USAGE = `usage:
  pnpm grade [--assignment NAME] [--submission DIR] [--hidden] [--format text|json|gradescope|junit|markdown|html] [--out DIR]
             [--backend auto|tensorflow|webgpu|wasm|cpu] [--seed N] [--fail-under N|N%]
             [--skip-training] [--checks ID,ID...] [--watch] [--timeout SECONDS] [--heap MB]
  pnpm grade --submissions DIR --out DIR [--jobs N] [--shard I/N] [--hidden] [--backend B] [--seed N]
             [--only NAME,...] [--timeout SECONDS] [--retry-failed] [--skip-training] [--checks ID,ID...]
  pnpm grade --submissions DIR --out DIR --slurm [--tasks N] [--partition P] [--gres gpu:1] [--time MIN] [--wait]
             (and the batch options above but --shard)                 # on a Slurm cluster (docs/slurm.md)
  pnpm grade merge --out DIR [--submissions DIR] SHARD_DIR...
  pnpm grade review --out DIR [--submissions DIR] [--port N]      # hand-grade the written tasks in a browser
  pnpm grade export --out DIR [--roster FILE] [--column NAME]     # gradebook.csv, canvas.csv, moodle.csv
  pnpm grade gradescope [--assignment NAME] --out FILE.zip
exit codes: 0 graded, 1 the grader failed, 2 usage error, 3 score below --fail-under`;

export class CliUsageError extends Error {}

function usage(message: string): never {
  throw new CliUsageError(message);
}

export type CliValues = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, allowNegative: true, strict: true });
  } catch (err) {
    return usage((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

function intOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

/** The score needed by --fail-under: points, or a percentage of the maximum with a trailing %. */
export function failUnderPoints(spec: string, maxScore: number): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(spec.trim());
  if (!m) usage(`--fail-under takes points (e.g. 60) or a percentage (e.g. 75%), got '${spec}'`);
  const v = Number(m[1]);
  return m[2] ? (v / 100) * maxScore : v;
}

/** A module loaded only when its command runs (a literal import, so the CLI bundle makes it a lazy chunk). */
async function loadModule<T>(load: () => Promise<T>, what: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw new Error(`${what} is not available in this copy of the grader (${(err as Error).message.split('\n')[0]})`);
  }
}

async function render(report: GradeReport, format: Format, color: boolean): Promise<string> {
  if (format === 'text') return renderText(report, { color });
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const reporters = await loadModule(() => import('./reporters/index.ts'), `the ${format} reporter`);
  return reporters.renderReport(report, format, { color });
}

/** `review` serves the hand-grading pages until interrupted; `export` writes the LMS grade files. */
async function handGrading(values: CliValues, outDir: string, verb: 'review' | 'export'): Promise<number> {
  if (verb === 'export') {
    const { exportGrades } = await import('./export/lms.ts');
    const files = await exportGrades({
      outDir,
      rosterFile: values.roster,
      column: values.column,
      submissionsDir: values.submissions,
    });
    for (const warning of files.warnings) process.stderr.write(`warning: ${warning}\n`);
    const feedback = files.feedback ? ` and ${files.feedback}/` : '';
    process.stderr.write(`wrote ${files.gradebook}, ${files.canvas}, ${files.moodle}${feedback}\n`);
    return 0;
  }
  const { startReview } = await import('./review/server.ts');
  const server = await startReview({
    outDir,
    submissionsDir: values.submissions,
    port: intOption('port', values.port ?? '8321', 0),
  });
  process.stderr.write(`hand grading at ${server.url}/ (every change is saved at once; Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await server.close();
  return 0;
}

/** The options of a batch (one machine, one shard, or each task of a Slurm run). */
function batchOptionsFrom(values: CliValues, shard?: Shard): BatchOptions {
  const assignment = values.assignment ?? DEFAULT_ASSIGNMENT;
  if (values.checks !== undefined)
    parseChecksOption(values.checks, assignmentChecks(assignment, values.hidden ?? false));
  return {
    submissionsDir: values.submissions ?? '',
    outDir: values.out ?? '',
    jobs: intOption('jobs', values.jobs, 1) ?? 1,
    shard,
    hidden: values.hidden ?? false,
    backend: values.backend as BackendChoice,
    seed: intOption('seed', values.seed, 0) ?? 0,
    // Every student's folder is graded against one assignment: the one named, else the default.
    assignment,
    // In batch mode --timeout is the wall-clock limit of one submission (default 15 minutes).
    timeoutMs: values.timeout === undefined ? undefined : (intOption('timeout', values.timeout, 1) ?? 0) * 1000,
    retryFailed: values['retry-failed'] ?? false,
    only: values.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    // Passed on to the grader of each submission; part of the settings a stored result must match.
    extraArgs: [
      ...(values['skip-training'] ? ['--skip-training'] : []),
      ...(values.checks !== undefined ? ['--checks', values.checks] : []),
    ],
  };
}

/** The same batch options as arguments, for a grader started elsewhere (a Slurm task): they parse back to them. */
function batchArgs(values: CliValues): string[] {
  const o = batchOptionsFrom(values);
  return [
    '--jobs',
    String(o.jobs),
    '--backend',
    o.backend,
    '--seed',
    String(o.seed),
    '--assignment',
    o.assignment ?? DEFAULT_ASSIGNMENT,
    ...(o.hidden ? ['--hidden'] : []),
    ...(values.timeout !== undefined ? ['--timeout', values.timeout] : []),
    ...(o.retryFailed ? ['--retry-failed'] : []),
    ...(o.only?.length ? ['--only', o.only.join(',')] : []),
    ...(o.extraArgs ?? []),
  ];
}

const SLURM_ONLY = ['tasks', 'partition', 'gres', 'time', 'wait'] as const;

async function slurm(values: CliValues): Promise<number> {
  if (!values.submissions)
    usage('--slurm grades a class: pass --submissions DIR (one folder per student) and --out DIR');
  if (values.shard) usage('--slurm makes the shards itself (--tasks N): leave --shard out');
  const { gradeOnSlurm } = await loadModule(() => import('./batch/slurm/submit.ts'), 'grading on Slurm');
  const poll = Number(process.env.GRADE_SLURM_POLL_SECONDS ?? '10');
  return await gradeOnSlurm({
    batch: batchOptionsFrom(values),
    gradeArgs: batchArgs(values),
    tasks: intOption('tasks', values.tasks, 1),
    partition: values.partition,
    gres: values.gres,
    timeMinutes: intOption('time', values.time, 1),
    wait: values.wait ?? false,
    pollMs: (Number.isFinite(poll) && poll > 0 ? poll : 10) * 1000,
  });
}

async function merge(values: CliValues, outDir: string, dirs: string[]): Promise<number> {
  if (dirs.length === 0) usage('merge needs at least one shard folder: pnpm grade merge --out DIR SHARD_DIR...');
  if (values['slurm-job'] && !values.submissions)
    usage('--slurm-job goes with --submissions DIR: the class whose ungraded students it explains');
  const { mergeShards } = await loadModule(() => import('./batch/merge.ts'), 'merge');
  const job = values['slurm-job'];
  const slurmMod = job ? await loadModule(() => import('./batch/slurm/submit.ts'), 'grading on Slurm') : undefined;
  const merged = await mergeShards(dirs, outDir, {
    submissionsDir: values.submissions,
    ungradedReason: job && slurmMod ? await slurmMod.ungradedReasons(job, dirs.length, outDir) : undefined,
  });
  // A gradebook with students missing is not the finished product a script waits for.
  return merged.ungraded.length > 0 ? 1 : 0;
}

async function batch(values: CliValues, positionals: string[]): Promise<number> {
  if (!values.out) usage('--out DIR is required for batch grading, merge and gradescope');
  const slurmOnly = SLURM_ONLY.filter((name) => values[name] !== undefined && values[name] !== false);
  if (!values.slurm && slurmOnly.length > 0)
    usage(`${slurmOnly.map((n) => `--${n}`).join(', ')} go${slurmOnly.length === 1 ? 'es' : ''} with --slurm`);
  if (positionals[0] === 'review' || positionals[0] === 'export')
    return await handGrading(values, values.out, positionals[0]);
  if (positionals[0] === 'merge') return await merge(values, values.out, positionals.slice(1));
  if (positionals[0] === 'gradescope') {
    const { buildGradescopeZip } = await loadModule(() => import('./gradescope/package.ts'), 'the Gradescope packager');
    await buildGradescopeZip({
      outFile: values.out,
      assignment: loadAssignment(values.assignment ?? DEFAULT_ASSIGNMENT).name,
    });
    process.stderr.write(`wrote ${values.out}\n`);
    return 0;
  }
  if (values.slurm) return await slurm(values);
  const mod = await loadModule(() => import('./batch/index.ts'), 'batch grading');
  let shard: Shard | undefined;
  try {
    shard = values.shard ? mod.parseShard(values.shard) : undefined;
  } catch (err) {
    usage((err as Error).message);
  }
  const summary = await mod.gradeBatch(batchOptionsFrom(values, shard));
  process.stderr.write(
    `${summary.total} submissions: ${summary.graded} graded, ${summary.skipped} kept from before, ${summary.errors} errors, ${summary.timeouts} timeouts → ${summary.gradebook}\n` +
      (summary.gone.length
        ? `left the gradebook (folder gone, moved to ${values.out}/gone/): ${summary.gone.join(', ')}\n`
        : ''),
  );
  return 0;
}

/** Run the CLI; returns the exit code (never throws for usage or grading problems). */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    if (!FORMATS.includes(values.format as Format))
      usage(`--format must be one of ${FORMATS.join(', ')}, got '${values.format}'`);
    if (!BACKEND_CHOICES.includes(values.backend as BackendChoice))
      usage(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${values.backend}'`);
    const seed = intOption('seed', values.seed, 0) ?? 0;
    if (positionals.length > 0 && !['merge', 'gradescope', 'review', 'export'].includes(positionals[0] ?? ''))
      usage(`unknown command '${positionals[0]}' (commands: merge, gradescope, review, export)`);
    if (values.submissions || values.slurm || positionals.length > 0) return await batch(values, positionals);
    const format = values.format as Format;
    const color =
      values.color ?? ((err as { isTTY?: boolean }).isTTY === true && format === 'text' && !process.env.NO_COLOR);
    const showProgress = format === 'text' && (err as { isTTY?: boolean }).isTTY === true;
    // Without --submission: the assignment's own student workspace (the stubs the student edits).
    const assignment = values.assignment ?? (values.submission ? assignmentFor(values.submission) : DEFAULT_ASSIGNMENT);
    const known = assignmentChecks(assignment, values.hidden ?? false);
    const selected = values.checks === undefined ? undefined : parseChecksOption(values.checks, known);
    const submissionDir = values.submission ?? loadAssignment(assignment).workspace;
    const options = (checks: string[] | undefined): GradeOptions => ({
      assignment,
      submissionDir,
      hidden: values.hidden,
      backend: values.backend as BackendChoice,
      seed,
      skipTraining: values['skip-training'],
      checks,
      // One grading per process: the type checker's memory is freed before training. Watch mode keeps it.
      releaseTypeChecker: !values.watch,
      limits: {
        timeoutMs: (intOption('timeout', values.timeout, 1) ?? 60) * 1000,
        heapMb: intOption('heap', values.heap, 64),
      },
      onProgress: showProgress
        ? (e) => err.write(`\r\x1b[K[${e.done}/${e.total}] ${e.check === 'done' ? '' : e.check}`)
        : undefined,
    });
    /** Prints one report: with --out the files get every format and the terminal the short text report. */
    const publish = async (report: GradeReport) => {
      if (showProgress) err.write('\r\x1b[K');
      out.write(values.out ? renderText(report, { color, short: true }) : await render(report, format, color));
      if (values.out) {
        const { writeReports } = await loadModule(() => import('./reporters/index.ts'), 'the report writer');
        const paths = await writeReports(report, values.out);
        err.write(`wrote ${paths.length} reports to ${values.out} (open ${join(values.out, 'report.html')})\n`);
      }
    };
    if (values.watch) {
      await watchSubmission({
        submissionDir,
        known,
        selected,
        grade: (checks) => gradeSubmission(options(checks)),
        onReport: async (report, event) => {
          if (event.changed.length)
            err.write(`\n${event.changed.join(', ')} changed: re-graded ${event.rerun.length} checks\n`);
          await publish(report);
          err.write(`watching ${submissionDir} for changes (Ctrl-C to stop)\n`);
        },
        onError: (e) => err.write(`grader failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`),
      });
      return 0;
    }
    const report = await gradeSubmission(options(selected));
    await publish(report);
    if (values['fail-under'] !== undefined && report.score < failUnderPoints(values['fail-under'], report.maxScore)) {
      err.write(`score ${report.score} / ${report.maxScore} is below --fail-under ${values['fail-under']}\n`);
      return 3;
    }
    return 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (
      e instanceof CliUsageError ||
      e instanceof UsageError ||
      e instanceof ManifestError ||
      e instanceof AssignmentError ||
      e instanceof BackendUnavailableError
    ) {
      err.write(`error: ${message}\n${e instanceof CliUsageError ? `${USAGE}\n` : ''}`);
      return 2;
    }
    err.write(`grader failed: ${message.split('\n')[0]}\n`);
    return 1;
  }
}

/** The command line as a program: main's exit code, and the GPU given back (Dawn keeps Node alive while it holds one). */
export async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } finally {
    await releaseBackend();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await run(process.argv.slice(2));
}
