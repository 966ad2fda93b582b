// The batch scripts a Slurm run submits, written where the instructor can read, edit and resubmit them
// (OUT/slurm/): an array job whose task I grades shard I/N of the class into OUT/shards/I, and a merge job
// that joins the shards into OUT. Both source OUT/slurm/setup.sh, the site's own lines (module load, ...),
// which is written once and never rewritten, so that the scripts can be written again on every run.
import { join } from 'node:path';
import { quote } from 'shell-quote';

export interface ScriptPlan {
  repoRoot: string;
  /** The Node that submitted the jobs; tasks use it when the node sees the same path. */
  node: string;
  submissionsDir: string;
  outDir: string;
  /** N: the class is split into N shards, one array task each. */
  tasks: number;
  jobName: string;
  partition?: string;
  gres?: string;
  timeMinutes?: number;
  cpusPerTask: number;
  /** The grader's batch options each task passes on (`--jobs`, `--backend`, `--seed`, ...). */
  gradeArgs: string[];
}

export const slurmDir = (outDir: string) => join(outDir, 'slurm');
export const shardDir = (outDir: string, index: number) => join(outDir, 'shards', String(index));
export const logsDir = (outDir: string) => join(slurmDir(outDir), 'logs');
export const taskLog = (outDir: string, jobId: string, index: number) =>
  join(logsDir(outDir), `grade-${jobId}_${index}.out`);
export const mergeLog = (outDir: string, jobId: string) => join(logsDir(outDir), `merge-${jobId}.out`);

/** "1-3,5" for [1, 2, 3, 5]: sbatch's --array syntax. */
export function arraySpec(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

/** An #SBATCH value: sbatch reads these lines itself, and takes a double-quoted value whole. */
function directive(option: string, value: string | number): string {
  const text = String(value);
  return `#SBATCH --${option}=${/[\s"'#]/.test(text) ? `"${text.replaceAll('"', '\\"')}"` : text}`;
}

function common(plan: ScriptPlan, withGres: boolean): string[] {
  return [
    directive('cpus-per-task', plan.cpusPerTask),
    ...(plan.partition ? [directive('partition', plan.partition)] : []),
    ...(withGres && plan.gres ? [directive('gres', plan.gres)] : []),
    ...(plan.timeMinutes ? [directive('time', plan.timeMinutes)] : []),
  ];
}

/** Site setup, the paths, and a Node ≥ 20 in $NODE (or one line saying how to get one, exit 2). */
function prelude(plan: ScriptPlan): string[] {
  return [
    `REPO=${quote([plan.repoRoot])}`,
    `OUT=${quote([plan.outDir])}`,
    `SUBMISSIONS=${quote([plan.submissionsDir])}`,
    `TASKS=${plan.tasks}`,
    "# Your site's lines (module load ..., GRADE_NODE=...): written once, never rewritten.",
    '[ -f "$OUT/slurm/setup.sh" ] && . "$OUT/slurm/setup.sh"',
    '# Node.js 20 or newer: $GRADE_NODE, else the Node that submitted these jobs, else node on PATH.',
    `NODE="\${GRADE_NODE:-${quote([plan.node])}}"`,
    '[ -x "$NODE" ] || NODE="$(command -v node)"',
    `if [ -z "$NODE" ] || ! "$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then`,
    '  echo "error: no Node.js 20 on $(hostname): install it where the nodes see it (your home), or load it in $OUT/slurm/setup.sh (docs/slurm.md)" >&2',
    '  exit 2',
    'fi',
    'cd "$REPO" || exit 2',
  ];
}

export function gradeScript(plan: ScriptPlan): string {
  return `${[
    '#!/bin/bash',
    `# Grades the class in ${plan.tasks} array tasks: task I grades shard I/${plan.tasks} (pnpm grade --shard) into $OUT/shards/I.`,
    '# `pnpm grade --submissions ... --slurm` writes this file on every run; put your own lines in setup.sh.',
    '# By hand: sbatch --array=1-N grade.sbatch, then sbatch --dependency=afterany:JOBID merge.sbatch.',
    directive('job-name', plan.jobName),
    directive('array', `1-${plan.tasks}`),
    directive('output', join(logsDir(plan.outDir), 'grade-%A_%a.out')),
    // A task requeued after a lost node appends to its log and resumes where the shard stopped.
    directive('open-mode', 'append'),
    '#SBATCH --requeue',
    ...common(plan, true),
    '',
    ...prelude(plan),
    // libtensorflow maps nearly all of a GPU's memory up front: with --jobs 2, the second grader would find none.
    ...(plan.gres ? [`export TF_FORCE_GPU_ALLOW_GROWTH="\${TF_FORCE_GPU_ALLOW_GROWTH:-true}"`] : []),
    'I="$SLURM_ARRAY_TASK_ID"',
    `echo "task $I/$TASKS (job \${SLURM_ARRAY_JOB_ID}_$I) on $(hostname), Node $("$NODE" --version)\${CUDA_VISIBLE_DEVICES:+, GPUs $CUDA_VISIBLE_DEVICES}"`,
    `exec "$NODE" "$REPO/grader/bin/grade.mjs" --submissions "$SUBMISSIONS" --out "$OUT/shards/$I" --shard "$I/$TASKS" ${quote(plan.gradeArgs)}`,
  ].join('\n')}\n`;
}

export function mergeScript(plan: ScriptPlan, arrayJobId: string | undefined): string {
  const shards = Array.from({ length: plan.tasks }, (_, i) => `"$OUT/shards/${i + 1}"`).join(' ');
  return `${[
    '#!/bin/bash',
    '# Joins the shards into $OUT: gradebook.csv, summary, similarity report, and canvas.csv / moodle.csv',
    '# when $OUT/roster.csv is there. It runs after every task ended, however it ended (afterany): the',
    "# students of a task that failed or was cancelled get 'ungraded' rows, and the exit status is 1.",
    directive('job-name', `${plan.jobName}-merge`),
    directive('output', join(logsDir(plan.outDir), 'merge-%j.out')),
    ...common({ ...plan, cpusPerTask: 1 }, false),
    '',
    ...prelude(plan),
    `"$NODE" "$REPO/grader/bin/grade.mjs" merge --out "$OUT" --submissions "$SUBMISSIONS"${arrayJobId ? ` --slurm-job ${arrayJobId}` : ''} ${shards}`,
    'status=$?',
    'if [ -f "$OUT/roster.csv" ]; then',
    '  "$NODE" "$REPO/grader/bin/grade.mjs" export --out "$OUT" --submissions "$SUBMISSIONS" || status=1',
    'fi',
    'exit $status',
  ].join('\n')}\n`;
}

export const SETUP_SCRIPT = `# Site setup for the grading jobs: grade.sbatch and merge.sbatch source this before they look for Node.
# \`pnpm grade --slurm\` writes this file once and never again, so your lines stay. The jobs inherit the
# environment you submit from (sbatch's --export=ALL), so often nothing is needed here. Examples:
#   module load nodejs/20                                   # Node as a module on the compute nodes
#   export GRADE_NODE="$HOME/node-v20.19.0-linux-x64/bin/node"   # a Node unpacked in your (shared) home
#   module load cuda/11.2 cudnn/8.1                         # tfjs-node-gpu's libraries on a GPU partition
`;
