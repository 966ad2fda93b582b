// `--wait`: follows the grading tasks and the merge job until the merge has ended, with one line each time a
// task or the merge changes state (PENDING, RUNNING, COMPLETED, CANCELLED, ...). squeue answers while a job
// is queued; once it has left, sacct (or the controller's memory, scontrol) says how it ended.
import { setTimeout as sleep } from 'node:timers/promises';
import { ended, FINISHED, type JobState, queued, SlurmError } from './commands.ts';

export interface Followed {
  /** The array job and the indices of its tasks that were submitted; absent when nothing was left to grade. */
  array?: { jobId: string; tasks: number[]; count: number };
  mergeJobId: string;
}

export interface FollowOptions {
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  pollMs: number;
  /** Give up after this long without an answer from Slurm (a controller restart takes a minute or two). */
  patienceMs?: number;
}

/** "RUNNING on node07", "PENDING (Dependency)", "FAILED (exit 1)", "CANCELLED (signal 9)". */
export function describeState(job: JobState): string {
  const detail = [
    job.state === 'RUNNING' && job.nodes ? `on ${job.nodes}` : '',
    job.reason && job.state === 'PENDING' ? `(${job.reason})` : '',
    FINISHED.has(job.state) && job.state !== 'COMPLETED' && job.exitCode ? `(exit ${job.exitCode})` : '',
    FINISHED.has(job.state) && job.signal ? `(signal ${job.signal})` : '',
  ].filter(Boolean);
  return [job.state, ...detail].join(' ');
}

/** Follows the jobs until the merge has ended; returns how it ended. */
export async function followJobs(jobs: Followed, opts: FollowOptions): Promise<JobState> {
  const labels = new Map<string, string>();
  for (const index of jobs.array?.tasks ?? [])
    labels.set(
      `${jobs.array!.jobId}_${index}`,
      `task ${index}/${jobs.array!.count} (job ${jobs.array!.jobId}_${index})`,
    );
  labels.set(jobs.mergeJobId, `merge (job ${jobs.mergeJobId})`);
  const ids = [...(jobs.array ? [jobs.array.jobId] : []), jobs.mergeJobId];
  const shown = new Map<string, string>();
  const final = new Map<string, JobState>();
  const patience = opts.patienceMs ?? 5 * 60_000;
  let lastAnswer = Date.now();
  let lost = 0;
  for (;;) {
    try {
      const live = await queued(ids, opts.env);
      const gone = [...labels.keys()].filter((id) => !final.has(id) && !live.has(id));
      const after = gone.length > 0 ? await ended(ids, opts.env) : new Map<string, JobState>();
      lastAnswer = Date.now();
      for (const [id, label] of labels) {
        if (final.has(id)) continue;
        const job = live.get(id) ?? after.get(id);
        if (!job) continue;
        const text = describeState(job);
        if (shown.get(id) !== text) opts.log(`slurm: ${label}: ${text}`);
        shown.set(id, text);
        if (!live.has(id) && FINISHED.has(job.state)) final.set(id, job);
      }
      const merge = final.get(jobs.mergeJobId);
      if (merge) return merge;
      // Out of the queue, and neither accounting nor the controller remembers it.
      lost = !live.has(jobs.mergeJobId) && !after.has(jobs.mergeJobId) ? lost + 1 : 0;
      if (lost >= 3)
        return { id: jobs.mergeJobId, state: 'UNKNOWN', reason: 'left the queue; Slurm does not say how it ended' };
    } catch (err) {
      if (!(err instanceof SlurmError) || /on PATH/.test(err.message)) throw err;
      if (Date.now() - lastAnswer > patience)
        throw new SlurmError(
          `${err.message} for ${Math.round(patience / 60_000)} minutes: the jobs go on; follow them with squeue -j ${ids.join(',')}`,
        );
      opts.log(`slurm: ${err.message}; trying again`);
    }
    await sleep(opts.pollMs);
  }
}
