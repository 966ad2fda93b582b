// Slurm's client commands (sbatch, squeue, sacct, scontrol, sinfo) run as child processes, their answers
// parsed, and every refusal turned into one line that says what to do. Nothing here talks to Slurm any
// other way: a login node has these commands, and the REST API is rarely enabled for users.
import { execFile } from 'node:child_process';
import { UsageError } from '../../grade.ts';

/** A Slurm problem the user can fix: printed as one line, exit code 2. */
export class SlurmError extends UsageError {
  override name = 'SlurmError';
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export type SlurmCommand = 'sbatch' | 'squeue' | 'sacct' | 'scontrol' | 'sinfo';

/** Runs one Slurm client command; a command missing from PATH is a SlurmError saying where to run this. */
export function runSlurm(command: SlurmCommand, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) resolve({ code: 0, stdout, stderr });
      else if (err.code === 'ENOENT')
        reject(
          new SlurmError(
            `--slurm needs Slurm's \`${command}\` on PATH and it is not there: run this on the cluster's login node (where Slurm is a module: module load slurm)`,
          ),
        );
      else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
      else reject(new SlurmError(`${command} failed: ${err.message.split('\n')[0]}`));
    });
  });
}

/** The last thing Slurm said, without its "sbatch: error: " prefixes. */
export function slurmSays(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^(?:[a-z]+: )?(?:error|fatal): /i, '').trim())
    .filter(Boolean);
  return lines.at(-1) ?? 'no message';
}

export interface SubmitContext {
  partition?: string;
  gres?: string;
  timeMinutes?: number;
  cpusPerTask: number;
  /** The partitions Slurm has (the default one first), for the message; looked up when sbatch refuses. */
  partitions?: string[];
  /** Each partition's generic resources as sinfo lists them, e.g. "gpu gpu:a100:4". */
  gresByPartition?: string[];
}

/** One line saying what to do, for the ways sbatch refuses a grading job. */
export function sbatchRefusal(stderr: string, ctx: SubmitContext): string {
  const said = slurmSays(stderr);
  const partitions = ctx.partitions?.length ? ` (partitions here: ${ctx.partitions.join(', ')})` : '';
  if (/invalid partition|no partition specified|default partition/i.test(stderr)) {
    return ctx.partition
      ? `Slurm has no partition '${ctx.partition}'${partitions}: pass --partition with one of them`
      : `Slurm has no default partition${partitions}: pass --partition NAME`;
  }
  if (/generic resource|gres/i.test(said)) {
    const offered = ctx.gresByPartition?.length
      ? ` (offered: ${ctx.gresByPartition.join('; ')})`
      : ctx.partitions?.length
        ? ' (no node here offers any)'
        : '';
    return `Slurm refused --gres ${ctx.gres ?? ''}${ctx.partition ? ` on partition '${ctx.partition}'` : ''}${offered}: pass a GRES its nodes have (sinfo -o '%P %G' lists them), a GPU partition with --partition, or leave --gres out to grade on CPUs`;
  }
  if (/node configuration is not available/i.test(said)) {
    return `no node of ${ctx.partition ? `partition '${ctx.partition}'` : 'the default partition'} can run a task as asked (${[ctx.gres && `--gres ${ctx.gres}`, `${ctx.cpusPerTask} CPU${ctx.cpusPerTask === 1 ? '' : 's'} (--jobs ${ctx.cpusPerTask})`].filter(Boolean).join(', ')}): ask for less, or another --partition${partitions}`;
  }
  if (/time limit/i.test(said)) {
    return `Slurm refused the time limit${ctx.timeMinutes ? ` (--time ${ctx.timeMinutes})` : ''}: it is over the partition's limit (sinfo -o '%P %l' lists them): pass a shorter --time`;
  }
  if (/unable to contact slurm controller|connection refused|connect failure/i.test(said)) {
    return `cannot reach the Slurm controller (${said}): check that Slurm is up with sinfo, or run this on the cluster's login node`;
  }
  if (/account/i.test(said)) {
    return `Slurm wants an account for these jobs (${said}): set SBATCH_ACCOUNT=NAME (sacctmgr show assoc user=$USER lists yours) and run the command again`;
  }
  if (/qos/i.test(said)) {
    return `Slurm refused the QOS (${said}): set SBATCH_QOS=NAME to one you may use and run the command again`;
  }
  return `sbatch refused the job: ${said} (the scripts are in OUT/slurm/; docs/slurm.md says what to set)`;
}

/** Partitions, the default one first; empty when sinfo cannot tell. */
export async function partitions(env?: NodeJS.ProcessEnv): Promise<{ names: string[]; gres: string[] }> {
  const ran = await runSlurm('sinfo', ['-h', '-o', '%P|%G'], env).catch(() => undefined);
  if (ran?.code !== 0) return { names: [], gres: [] };
  const rows = [...new Set(ran.stdout.split('\n').filter(Boolean))].map((line) => {
    const [name = '', gres = ''] = line.split('|');
    return { name, gres: gres.trim() };
  });
  const names = [...new Set(rows.map((r) => r.name))].sort((a, b) => Number(b.endsWith('*')) - Number(a.endsWith('*')));
  const gres = rows.filter((r) => r.gres && r.gres !== '(null)').map((r) => `${r.name.replace(/\*$/, '')} ${r.gres}`);
  return { names, gres };
}

/**
 * Submits a batch script; returns the job id (`sbatch --parsable` prints "id" or "id;cluster"). It asks
 * `--test-only` first: a cluster that does not enforce partition limits queues a job no node can run (more
 * CPUs or GPUs than a node has), and it would wait forever; the dry run says so at once.
 */
export async function sbatch(args: string[], ctx: SubmitContext, env?: NodeJS.ProcessEnv): Promise<{ jobId: string }> {
  const refused = async (stderr: string) => {
    const listed = await partitions(env);
    return new SlurmError(sbatchRefusal(stderr, { ...ctx, partitions: listed.names, gresByPartition: listed.gres }));
  };
  const dry = await runSlurm('sbatch', ['--test-only', ...args], env);
  if (dry.code !== 0) throw await refused(dry.stderr);
  const ran = await runSlurm('sbatch', ['--parsable', ...args], env);
  const jobId = ran.stdout.trim().split(';')[0] ?? '';
  if (ran.code !== 0 || !/^\d+$/.test(jobId)) throw await refused(ran.stderr);
  return { jobId };
}

/** What Slurm knows of one job or array task. */
export interface JobState {
  /** "123" for a job, "123_4" for task 4 of array job 123. */
  id: string;
  state: string;
  reason?: string;
  nodes?: string;
  /** The batch script's exit status, when it ended. */
  exitCode?: number;
  /** The signal that ended it, when one did. */
  signal?: number;
}

/** Slurm's states after which a job does not run again (a requeued job goes back to PENDING instead). */
export const FINISHED = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'SPECIAL_EXIT',
]);

const exitOf = (text: string | undefined) => {
  const m = /^(\d+):(\d+)$/.exec(text ?? '');
  return m ? { exitCode: Number(m[1]), signal: Number(m[2]) } : {};
};

/** The jobs still in the queue (pending, running, completing), one per array task. */
export async function queued(jobIds: string[], env?: NodeJS.ProcessEnv): Promise<Map<string, JobState>> {
  const ran = await runSlurm('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', '%i|%T|%r|%N'], env);
  // squeue refuses a list whose jobs have all left the queue ("Invalid job id specified").
  if (ran.code !== 0 && !/invalid job id/i.test(ran.stderr))
    throw new SlurmError(`squeue failed: ${slurmSays(ran.stderr)}`);
  return new Map(parseSqueue(ran.code === 0 ? ran.stdout : '').map((j) => [j.id, j] as const));
}

export function parseSqueue(stdout: string): JobState[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((line) => {
      const [id = '', state = '', reason = '', nodes = ''] = line.trim().split('|');
      return {
        id,
        state,
        ...(reason && reason !== 'None' ? { reason } : {}),
        ...(nodes && nodes !== '(null)' ? { nodes } : {}),
      };
    });
}

/** sacct's answer (`-n -P -X -o JobID,State,ExitCode,NodeList`); "CANCELLED by 0" is CANCELLED. */
export function parseSacct(stdout: string): JobState[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((line) => {
      const [id = '', state = '', exit = '', nodes = ''] = line.trim().split('|');
      return {
        id,
        state: state.split(' ')[0] ?? state,
        ...exitOf(exit),
        ...(nodes && nodes !== 'None assigned' ? { nodes } : {}),
      };
    });
}

/** `scontrol -o show job` (one line per job or array task, Key=Value fields). */
export function parseScontrol(stdout: string): JobState[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('JobId='))
    .map((line) => {
      const field = (key: string) => new RegExp(`(?:^| )${key}=(\\S*)`).exec(line)?.[1];
      const arrayJob = field('ArrayJobId');
      const task = field('ArrayTaskId');
      const nodes = field('NodeList');
      const reason = field('Reason');
      return {
        id: arrayJob && task ? `${arrayJob}_${task}` : (field('JobId') ?? ''),
        state: field('JobState') ?? 'UNKNOWN',
        ...(reason && reason !== 'None' ? { reason } : {}),
        ...exitOf(field('ExitCode')),
        ...(nodes && nodes !== '(null)' ? { nodes } : {}),
      };
    });
}

/**
 * How jobs that left the queue ended: from accounting (sacct) where the cluster keeps it, else from the
 * controller's memory of finished jobs (scontrol; MinJobAge, 5 minutes by default).
 */
export async function ended(jobIds: string[], env?: NodeJS.ProcessEnv): Promise<Map<string, JobState>> {
  const found = new Map<string, JobState>();
  const sacct = await runSlurm(
    'sacct',
    ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State,ExitCode,NodeList'],
    env,
  ).catch(() => undefined);
  // Without accounting sacct says "Slurm accounting storage is disabled" and lists nothing.
  if (sacct?.code === 0) for (const job of parseSacct(sacct.stdout)) found.set(job.id, job);
  const known = [...found.keys()];
  for (const id of jobIds.filter((id) => !known.some((k) => k === id || k.startsWith(`${id}_`)))) {
    const ran = await runSlurm('scontrol', ['-o', 'show', 'job', id], env);
    if (ran.code === 0) for (const job of parseScontrol(ran.stdout)) found.set(job.id, job);
  }
  return found;
}
