// `pnpm grade --submissions DIR --out OUT --slurm`: grades a class on a Slurm cluster. The class is split
// into N shards (the batch grader's --shard I/N); an array job grades shard I in task I, into OUT/shards/I,
// and a merge job that waits for every task (afterany) joins them into OUT. Each shard folder is a batch
// folder, so a task that dies (cancelled, timed out, its node lost) keeps what it finished, and the same
// command again submits only the tasks whose shards still have students to grade.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@course/d2l';
import { z } from 'zod';
import { UsageError } from '../../grade.ts';
import { graderVersion, REPO_ROOT } from '../../grader-version.ts';
import { readAllResults } from '../../records/result-file.ts';
import { type BatchOptions, studentsToGrade } from '../index.ts';
import { shardOf } from '../shard.ts';
import { classOf } from '../submissions.ts';
import { ended, type JobState, queued, runSlurm, type SubmitContext, sbatch } from './commands.ts';
import { followJobs } from './follow.ts';
import {
  arraySpec,
  gradeScript,
  logsDir,
  mergeLog,
  mergeScript,
  type ScriptPlan,
  SETUP_SCRIPT,
  shardDir,
  slurmDir,
  taskLog,
} from './scripts.ts';

export interface SlurmRunOptions {
  /** The batch each task runs (outDir is OUT; each task writes OUT/shards/I). */
  batch: BatchOptions;
  /** The same options as grade arguments, passed on to each task. */
  gradeArgs: string[];
  tasks?: number;
  partition?: string;
  gres?: string;
  timeMinutes?: number;
  wait: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** How often --wait asks squeue; default 10 s. */
  pollMs?: number;
}

/** What the last submission was, so that the next one resumes it (OUT/slurm/jobs.json). */
const Submitted = z.object({
  tasks: z.number().int().min(1),
  arrayJob: z.string().optional(),
  arrayTasks: z.array(z.number().int()),
  mergeJob: z.string(),
  submittedAt: z.string(),
});
type Submitted = z.infer<typeof Submitted>;

const jobsFile = (outDir: string) => join(slurmDir(outDir), 'jobs.json');

function lastSubmission(outDir: string): Submitted | undefined {
  try {
    const parsed = Submitted.safeParse(JSON.parse(readFileSync(jobsFile(outDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** About ten students a task: a task grades its shard one submission after another (--jobs 1). */
export const defaultTasks = (students: number) => Math.max(1, Math.ceil(students / 10));

const GPU_BACKENDS = new Set(['auto', 'tensorflow', 'webgpu']);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Submits the grading; with `wait`, follows it and returns the merge's exit status, else 0. */
export async function gradeOnSlurm(opts: SlurmRunOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = opts.env ?? process.env;
  const outDir = resolve(opts.batch.outDir);
  const submissionsDir = resolve(opts.batch.submissionsDir);
  if (opts.gres && !GPU_BACKENDS.has(opts.batch.backend))
    throw new UsageError(
      `--gres ${opts.gres} books a GPU but --backend ${opts.batch.backend} never uses one: leave --backend out (auto takes the GPU)`,
    );
  // Before anything is written: is this a machine that can submit at all?
  await runSlurm('sbatch', ['--version'], env);

  const { everyone } = await classOf({ submissionsDir, outDir });
  if (everyone.length === 0)
    throw new UsageError(`no student folders in ${submissionsDir}: --submissions takes one folder per student`);
  const last = lastSubmission(outDir);
  if (last && opts.tasks !== undefined && opts.tasks !== last.tasks)
    throw new UsageError(
      `${outDir} is graded in ${last.tasks} tasks (its shards/1..${last.tasks}): pass --tasks ${last.tasks} to resume it, or a new --out for ${opts.tasks}`,
    );
  if (last) {
    const ids = [last.arrayJob, last.mergeJob].filter((id): id is string => id !== undefined);
    const still = await queued(ids, env);
    if (still.size > 0)
      throw new UsageError(
        `the last submission is still queued or running (jobs ${ids.join(', ')}): wait for it (squeue -j ${ids.join(',')}), or cancel it (scancel ${ids.join(' ')}) and run this again`,
      );
  }
  const tasks = opts.tasks ?? last?.tasks ?? defaultTasks(everyone.length);

  // Each shard folder is a batch folder: what the task would grade there now is what is missing.
  const version = opts.batch.graderVersion ?? graderVersion();
  const pending = new Map<number, string[]>();
  for (let index = 1; index <= tasks; index++) {
    const todo = await studentsToGrade({
      ...opts.batch,
      outDir: shardDir(outDir, index),
      shard: { index, count: tasks },
      graderVersion: version,
    });
    if (todo.length > 0) pending.set(index, todo);
  }
  const toGrade = [...pending.values()].flat().length;

  const plan: ScriptPlan = {
    repoRoot: REPO_ROOT,
    node: process.execPath,
    submissionsDir,
    outDir,
    tasks,
    jobName: `grade-${opts.batch.assignment ?? 'class'}`,
    partition: opts.partition,
    gres: opts.gres,
    timeMinutes: opts.timeMinutes,
    cpusPerTask: opts.batch.jobs,
    gradeArgs: opts.gradeArgs,
  };
  const ctx: SubmitContext = {
    partition: opts.partition,
    gres: opts.gres,
    timeMinutes: opts.timeMinutes,
    cpusPerTask: opts.batch.jobs,
  };
  mkdirSync(logsDir(outDir), { recursive: true });
  const setup = join(slurmDir(outDir), 'setup.sh');
  if (!existsSync(setup)) writeFileSync(setup, SETUP_SCRIPT);
  const gradeFile = join(slurmDir(outDir), 'grade.sbatch');
  const mergeFile = join(slurmDir(outDir), 'merge.sbatch');
  writeFileAtomic(gradeFile, gradeScript(plan));

  let arrayJob: string | undefined;
  if (pending.size > 0) {
    ({ jobId: arrayJob } = await sbatch([`--array=${arraySpec([...pending.keys()])}`, gradeFile], ctx, env));
  }
  writeFileAtomic(mergeFile, mergeScript(plan, arrayJob));
  let mergeJob: string;
  try {
    ({ jobId: mergeJob } = await sbatch(
      [...(arrayJob ? [`--dependency=afterany:${arrayJob}`] : []), mergeFile],
      { ...ctx, gres: undefined },
      env,
    ));
  } catch (err) {
    if (!arrayJob) throw err;
    throw new UsageError(
      `${(err as Error).message}; the grading (job ${arrayJob}) is submitted: submit the merge once fixed with sbatch --dependency=afterany:${arrayJob} ${mergeFile}`,
    );
  }
  writeFileAtomic(
    jobsFile(outDir),
    `${JSON.stringify(
      {
        tasks,
        ...(arrayJob ? { arrayJob } : {}),
        arrayTasks: [...pending.keys()],
        mergeJob,
        submittedAt: new Date().toISOString(),
      } satisfies Submitted,
      null,
      2,
    )}\n`,
  );
  const ids = [arrayJob, mergeJob].filter(Boolean).join(',');
  log(
    `slurm: ${plural(everyone.length, 'student')} in ${plural(tasks, 'task')} (task I grades shard I/${tasks} into ${join(outDir, 'shards', 'I')})` +
      (toGrade < everyone.length ? `; ${everyone.length - toGrade} already graded` : '') +
      `; to grade: ${pending.size ? [...pending].map(([i, s]) => `task ${i} (${plural(s.length, 'student')})`).join(', ') : 'nothing'}`,
  );
  log(
    `slurm: submitted ${arrayJob ? `job ${arrayJob} (array ${arraySpec([...pending.keys()])}) and merge job ${mergeJob} (after it)` : `merge job ${mergeJob}`}; scripts and logs in ${slurmDir(outDir)}`,
  );
  if (!opts.wait) {
    log(`slurm: follow with squeue -j ${ids} (or pass --wait); the gradebook will be ${join(outDir, 'gradebook.csv')}`);
    return 0;
  }
  const merge = await followJobs(
    {
      ...(arrayJob ? { array: { jobId: arrayJob, tasks: [...pending.keys()], count: tasks } } : {}),
      mergeJobId: mergeJob,
    },
    { env, log, pollMs: opts.pollMs ?? 10_000 },
  );
  return await reportMerge(merge, outDir, opts, log);
}

/** After --wait: the merge's own lines, a word on the devices, and its exit status as ours. */
async function reportMerge(
  merge: JobState,
  outDir: string,
  opts: SlurmRunOptions,
  log: (line: string) => void,
): Promise<number> {
  const logFile = mergeLog(outDir, merge.id);
  if (existsSync(logFile))
    for (const line of readFileSync(logFile, 'utf8').split('\n').filter(Boolean)) log(`merge: ${line}`);
  const results = await readAllResults(outDir);
  if (opts.gres && results.some((r) => r.report) && !results.some((r) => r.report?.trainingProfile === 'gpu-long'))
    log(
      `slurm: warning: --gres ${opts.gres} booked a GPU but no task ran on one (the 'ran on' lines above): the nodes need tfjs-node-gpu's CUDA 11.2 + cuDNN 8.1 (docs/gpu.md; load them in ${join(slurmDir(outDir), 'setup.sh')})`,
    );
  const ungraded = results.filter((r) => r.status === 'ungraded').length;
  if (merge.state === 'COMPLETED' && ungraded === 0) {
    log(`slurm: done: ${join(outDir, 'gradebook.csv')}`);
    return 0;
  }
  if (ungraded > 0)
    log(
      `slurm: the gradebook is missing ${plural(ungraded, 'student')} (status 'ungraded'): run the same command again to grade what is missing`,
    );
  else log(`slurm: merge job ${merge.id} ended ${merge.state}: see ${logFile}`);
  return merge.exitCode || 1;
}

/**
 * Why a student has no result, for the merge job: how the array task that should have graded it ended.
 * Used by `pnpm grade merge --slurm-job ID`.
 */
export async function ungradedReasons(
  arrayJobId: string,
  tasks: number,
  outDir: string,
  env?: NodeJS.ProcessEnv,
): Promise<(student: string, shard: { index: number; count: number } | undefined) => string> {
  const states = await ended([arrayJobId], env).catch(() => new Map<string, JobState>());
  return (student, shard) => {
    const index = shard?.index ?? shardOf(student, tasks);
    const job = states.get(`${arrayJobId}_${index}`);
    const what = `Slurm task ${index}/${tasks} (job ${arrayJobId}_${index})`;
    const how = job
      ? `ended ${job.state}${job.exitCode ? ` (exit ${job.exitCode})` : ''} before grading it`
      : 'did not grade it';
    return `${what} ${how} (log: ${taskLog(outDir, arrayJobId, index)}): run the same pnpm grade --slurm command again to grade what is missing`;
  };
}
