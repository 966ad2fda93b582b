// Batch grading: one folder per student, each graded in its own child process with a wall-clock limit.
// Results are committed one file per student as they complete, so a run that is killed (even with
// SIGKILL) resumes where it stopped, and no finished submission is graded twice.
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ASSIGNMENT, loadAssignment } from '@course/core';
import type { BackendChoice } from '@course/d2l';
import { ensureBundle } from '../cli-bundle.mjs';
import { graderVersion as currentGraderVersion, REPO_ROOT } from '../grader-version.ts';
import {
  type BatchResult,
  GONE,
  INSTRUCTOR_REPORTS,
  readAllResults,
  readResult,
  resultPath,
  writeResult,
} from '../records/result-file.ts';
import { forAudience } from '../reporters/audience.ts';
import { writeReports } from '../reporters/index.ts';
import { finalizeBatch } from './finalize.ts';
import { defaultGradeCommand } from './grade-command.ts';
import { type BatchProgress, defaultProgress } from './progress.ts';
import { killGroup, runGradeCommand } from './run-one.ts';
import type { Shard } from './shard.ts';
import { classSimilarity, writeSimilarity } from './similarity.ts';
import { classOf, submissionHash } from './submissions.ts';

export { GONE, INSTRUCTOR_REPORTS } from '../records/result-file.ts';
export { defaultGradeCommand } from './grade-command.ts';
export type { BatchProgress } from './progress.ts';
export { parseShard, type Shard } from './shard.ts';

export interface BatchOptions {
  submissionsDir: string;
  outDir: string;
  jobs: number;
  shard?: Shard;
  hidden: boolean;
  backend: BackendChoice;
  seed: number;
  /** Grade only these students (folder names); the others keep their results. */
  only?: string[];
  /** The assignment graded (its student files and stubs for the similarity report); default resnet. */
  assignment?: string;
  /** Skip the similarity report (Dolos over the whole class). */
  noSimilarity?: boolean;
  /** Per submission, wall clock; default 15 minutes. */
  timeoutMs?: number;
  onProgress?: (progress: BatchProgress) => void;
  /** The child's argv; '{submission}' is replaced by the folder. Default: the grader CLI with --format json. */
  gradeCommand?: string[];
  /** Extra arguments for the default grader command (e.g. a training switch). */
  extraArgs?: string[];
  /** Identity of the grader for resuming; default: package version plus a hash of the grading code. */
  graderVersion?: string;
  /** Grade again the submissions whose stored result is an error or a timeout. */
  retryFailed?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface BatchSummary {
  outDir: string;
  /** Submissions in this shard. */
  total: number;
  graded: number;
  errors: number;
  timeouts: number;
  /** Results kept from an earlier run (same content, grader and settings). */
  skipped: number;
  /** Students with an earlier result whose folders are gone: moved to OUT/gone/, out of the gradebook. */
  gone: string[];
  gradebook: string;
  summary: { markdown: string; html: string };
  results: BatchResult[];
}

export const DEFAULT_TIMEOUT_MS = 15 * 60 * 1000;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * A student whose folder is no longer in --submissions (withdrawn, renamed) leaves the gradebook: the
 * result and reports move to OUT/gone/<student>/, so nothing is lost and the gradebook lists the class as
 * it is. Returns the students moved.
 */
export async function dropGone(outDir: string, present: ReadonlySet<string>): Promise<string[]> {
  const gone = (await readAllResults(outDir)).map((r) => r.student).filter((s) => !present.has(s));
  for (const student of gone) {
    const to = join(outDir, GONE, student);
    await rm(to, { recursive: true, force: true });
    await mkdir(to, { recursive: true });
    for (const [from, name] of [
      [join(outDir, 'reports', student), 'reports'],
      [join(outDir, INSTRUCTOR_REPORTS, student), INSTRUCTOR_REPORTS],
    ] as const) {
      if (await exists(from)) await rename(from, join(to, name));
    }
    // The result file last: until it has moved, a re-run still sees the student and moves the rest.
    await rename(resultPath(outDir, student), join(to, 'result.json'));
  }
  return gone;
}

/**
 * The children's environment: the cores shared out between the jobs, so `--jobs 2` on 2 cores runs
 * two single-threaded graders instead of four threads fighting over two cores (an XNNPACK thread spins
 * while it waits). With more than one job the OpenMP pools of the onednn backend sleep when idle
 * (OMP_WAIT_POLICY=passive): libgomp's default spins an idle thread at every barrier, which is what a
 * process training alone wants (PyTorch runs that way) but turns a 0.15 ms loop into 10 ms when another
 * job holds the core it spins on. An explicit D2L_WASM_THREADS or OpenMP policy is kept.
 */
export function childEnv(env: NodeJS.ProcessEnv, jobs: number, cores = availableParallelism()): NodeJS.ProcessEnv {
  const out = { ...env };
  if (env.D2L_WASM_THREADS === undefined || env.D2L_WASM_THREADS.trim() === '')
    out.D2L_WASM_THREADS = String(Math.max(1, Math.floor(cores / Math.max(1, jobs))));
  if (jobs > 1 && env.OMP_WAIT_POLICY === undefined && env.GOMP_SPINCOUNT === undefined)
    out.OMP_WAIT_POLICY = 'passive';
  return out;
}

/** What changes a grade; machine-specific paths are left out so shards on other machines agree. */
function settingsKey(command: string[], opts: BatchOptions): string {
  const key = JSON.stringify({
    command: command.slice(1).map((arg) => arg.replaceAll(REPO_ROOT, '<repo>')),
    hidden: opts.hidden,
    backend: opts.backend,
    seed: opts.seed,
  });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** How a run decides whether a stored result still holds: same files, same grader, same settings. */
function freshness(opts: BatchOptions) {
  const command = opts.gradeCommand ?? defaultGradeCommand(opts);
  const version = opts.graderVersion ?? currentGraderVersion();
  const settings = settingsKey(command, opts);
  return {
    command,
    version,
    settings,
    /** The stored result is kept, and the student not graded again. */
    keeps: (stored: BatchResult | undefined, contentHash: string) =>
      stored?.contentHash === contentHash &&
      stored.graderVersion === version &&
      stored.settings === settings &&
      // --only NAME is a request to grade NAME again, fresh or not.
      !opts.only &&
      (stored.status === 'graded' || !opts.retryFailed),
  };
}

/**
 * The students that gradeBatch(opts) would grade now: those of its shard without a stored result that
 * still holds. A scheduler asks this before it books machines for a shard that is already done.
 */
export async function studentsToGrade(opts: BatchOptions): Promise<string[]> {
  const { students } = await classOf(opts);
  const { keeps } = freshness(opts);
  const pending: string[] = [];
  for (const student of students) {
    const stored = await readResult(opts.outDir, student);
    if (!keeps(stored, submissionHash(join(opts.submissionsDir, student)))) pending.push(student);
  }
  return pending;
}

export async function gradeBatch(opts: BatchOptions): Promise<BatchSummary> {
  if (!Number.isInteger(opts.jobs) || opts.jobs < 1) throw new Error(`--jobs ${opts.jobs} is not a whole number ≥ 1`);
  const { everyone, students } = await classOf(opts);
  // An empty --submissions folder is more likely a wrong path than a class that all left.
  const gone = everyone.length > 0 ? await dropGone(opts.outDir, new Set(everyone)) : [];
  const { command, version, settings, keeps } = freshness(opts);
  // Every job of the default command runs the CLI bundle: make it fresh here, once, not in each job.
  if (!opts.gradeCommand) await ensureBundle();
  const progress = opts.onProgress ?? defaultProgress();
  const live = new Set<number>();
  const counts = { graded: 0, errors: 0, timeouts: 0, skipped: 0 };
  let done = 0;

  // Children lead their own process groups, so an interrupted batch must end them itself.
  const onSignal = (signal: NodeJS.Signals) => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const gradeOne = async (student: string) => {
    const folder = join(opts.submissionsDir, student);
    const contentHash = submissionHash(folder);
    if (keeps(await readResult(opts.outDir, student), contentHash)) {
      counts.skipped += 1;
      progress({ done: ++done, total: students.length, student, status: 'skipped', seconds: 0 });
      return;
    }
    const argv = command.map((arg) => arg.replaceAll('{submission}', folder));
    const outcome = await runGradeCommand(argv, {
      cwd: REPO_ROOT,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      env: childEnv(opts.env ?? process.env, opts.jobs),
      track: (pid, alive) => (alive ? live.add(pid) : live.delete(pid)),
    });
    const base = {
      student,
      contentHash,
      graderVersion: version,
      settings,
      seconds: outcome.seconds,
      ...(opts.shard ? { shard: opts.shard } : {}),
    };
    const finishedAt = new Date().toISOString();
    if (outcome.status === 'graded') {
      // Reports first, the result file last: the result file is what marks the submission done.
      // reports/<student>/ is for the student: the report as the student may see it, in every format
      // (Gradescope's results.json included), so no hidden check is in it; instructor/<student>/ is the
      // instructor's copy, with them.
      await writeReports(forAudience(outcome.report, 'student'), join(opts.outDir, 'reports', student), {
        audience: 'student',
        stepSummary: false,
      });
      await writeReports(outcome.report, join(opts.outDir, INSTRUCTOR_REPORTS, student), {
        audience: 'instructor',
        stepSummary: false,
      });
      await writeResult(opts.outDir, { ...base, status: 'graded', finishedAt, report: outcome.report });
      counts.graded += 1;
    } else {
      await writeResult(opts.outDir, { ...base, status: outcome.status, finishedAt, message: outcome.message });
      counts[outcome.status === 'timeout' ? 'timeouts' : 'errors'] += 1;
    }
    progress({ done: ++done, total: students.length, student, status: outcome.status, seconds: outcome.seconds });
  };

  try {
    const queue = [...students];
    const worker = async () => {
      for (let student = queue.shift(); student !== undefined; student = queue.shift()) await gradeOne(student);
    };
    await Promise.all(Array.from({ length: Math.min(opts.jobs, Math.max(1, students.length)) }, worker));
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  if (!opts.noSimilarity) {
    // The whole class, whatever the shard: a copy crosses shard lines. Cheap next to grading.
    const assignment = loadAssignment(opts.assignment ?? DEFAULT_ASSIGNMENT);
    const similarity = await classSimilarity(opts.submissionsDir, everyone, {
      files: assignment.files.filter((f) => /\.[cm]?[jt]s$/.test(f)),
      stubsDir: assignment.workspace,
    });
    await writeSimilarity(opts.outDir, similarity);
  }
  const { results, files } = await finalizeBatch(opts.outDir);
  return {
    outDir: opts.outDir,
    total: students.length,
    ...counts,
    gone,
    gradebook: files.gradebook,
    summary: { markdown: files.summaryMd, html: files.summaryHtml },
    results,
  };
}
