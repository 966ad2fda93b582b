// `pnpm grade --slurm` against a real Slurm: a private single-node cluster (munged, slurmctld, slurmd from
// Debian's slurm-wlm and munge) started in a temporary folder. A class of four is graded as an array of two
// tasks plus the merge; task 2 is cancelled with scancel while it runs, its students are marked in the
// gradebook, and the same command again grades only them, giving the gradebook one machine gives.
// Skipped, with the reason printed, where not root or the packages are missing. Training is off and four
// checks run (the same for both gradebooks compared), so that it takes a few minutes on two cores.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../grader-version.ts';
import { shardOf } from '../shard.ts';
import { clusterUnavailable, startTestCluster, type TestCluster } from './test-cluster.ts';

const GRADE = join(REPO_ROOT, 'grader/bin/grade.mjs');
const CHECKS = 'bottleneck.builds,bottleneck.structure,preact.builds,preact.structure';

/** Four students, two per shard of 2: two correct solutions, and two with one mistake each. */
function makeClass(root: string): string {
  const dir = join(root, 'class');
  const scratch = join(REPO_ROOT, 'grader/test-submissions/reference-scratch');
  const fixture = (name: string) => join(REPO_ROOT, 'grader/test-submissions', name);
  cpSync(join(REPO_ROOT, 'assignments/resnet/instructor/solution'), join(dir, 'ada'), { recursive: true });
  cpSync(fixture('alt-correct'), join(dir, 'ben'), { recursive: true });
  cpSync(scratch, join(dir, 'cai'), { recursive: true });
  cpSync(join(fixture('mistaken-relu-after-add'), 'preact.ts'), join(dir, 'cai', 'preact.ts'));
  cpSync(scratch, join(dir, 'dee'), { recursive: true });
  cpSync(join(fixture('mistaken-missing-bn'), 'bottleneck.ts'), join(dir, 'dee', 'bottleneck.ts'));
  return dir;
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GRADE, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' }, (err, _stdout, stderr) =>
      resolve({ code: typeof err?.code === 'number' ? err.code : err ? -1 : 0, stderr }),
    );
  });
}

const readCsv = (path: string) =>
  parse(readFileSync(path, 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
const withoutSeconds = (rows: Array<Record<string, string>>) => rows.map(({ seconds: _, ...rest }) => rest);

const unavailable = clusterUnavailable();
if (unavailable) console.log(`slurm.test.ts: the Slurm cluster tests are skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('pnpm grade --slurm on a single-node Slurm cluster', () => {
  let cluster: TestCluster | undefined;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'slurm-class-'));
    cluster = await startTestCluster();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('grades four students in two array tasks plus a merge; a task cancelled with scancel is marked and the same command completes the gradebook', {
    timeout: 900_000,
  }, async () => {
    const env = { ...cluster!.env, GRADE_SLURM_POLL_SECONDS: '1' };
    const submissions = makeClass(root);
    expect(['ada', 'ben', 'cai', 'dee'].map((s) => shardOf(s, 2))).toEqual([2, 1, 2, 1]);
    const options = ['--submissions', submissions, '--skip-training', '--checks', CHECKS];

    const oneMachine = await cli([...options, '--out', join(root, 'one'), '--jobs', '2'], env);
    expect(oneMachine.code, oneMachine.stderr).toBe(0);

    const out = join(root, 'slurm');
    const command = [...options, '--out', out, '--slurm', '--tasks', '2', '--wait'];
    const first = cli(command, env);
    // Task 2 is cancelled as soon as it runs, long before its first student (about 20 s) is graded.
    let task: string | undefined;
    for (let i = 0; i < 600 && !task; i++) {
      const queue = execFileSync('squeue', ['-h', '-r', '-o', '%i %T'], { env, encoding: 'utf8' });
      task = /^(\d+_2) RUNNING$/m.exec(queue)?.[1];
      if (!task) await sleep(200);
    }
    expect(task).toBeDefined();
    execFileSync('scancel', [task!], { env });
    const cancelled = await first;
    expect(cancelled.code, cancelled.stderr).toBe(1);
    expect(cancelled.stderr).toMatch(/^slurm: task 1\/2 \(job \d+_1\): RUNNING on /m);
    expect(cancelled.stderr).toMatch(/^slurm: task 1\/2 \(job \d+_1\): COMPLETED$/m);
    expect(cancelled.stderr).toContain(`slurm: task 2/2 (job ${task}): CANCELLED`);
    expect(cancelled.stderr).toMatch(/^slurm: merge \(job \d+\): FAILED \(exit 1\)$/m);
    expect(cancelled.stderr).toContain("slurm: the gradebook is missing 2 students (status 'ungraded')");
    const marked = readCsv(join(out, 'gradebook.csv'));
    expect(marked.map((r) => [r.student, r.status])).toEqual([
      ['ada', 'ungraded'],
      ['ben', 'graded'],
      ['cai', 'ungraded'],
      ['dee', 'graded'],
    ]);
    expect(marked[0]?.total).toBe('');
    expect(marked[0]?.message).toContain(`Slurm task 2/2 (job ${task}) ended CANCELLED before grading it`);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('2 not graded yet');
    const finishedAt = (student: string) =>
      JSON.parse(readFileSync(join(out, 'shards/1/results', `${student}.json`), 'utf8')).finishedAt;
    const before = ['ben', 'dee'].map(finishedAt);

    const again = await cli(command, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('2 already graded; to grade: task 2 (2 students)');
    expect(again.stderr).toMatch(/^slurm: submitted job \d+ \(array 2\) and merge job \d+ \(after it\)/m);
    expect(again.stderr).toMatch(/^merge: ran on \w+: .*\(4 students\)$/m);
    expect(['ben', 'dee'].map(finishedAt)).toEqual(before);
    const gradebook = readCsv(join(out, 'gradebook.csv'));
    expect(gradebook.map((r) => r.status)).toEqual(['graded', 'graded', 'graded', 'graded']);
    // The mistakes cost points: the gradebook is not four equal rows.
    expect(new Set(gradebook.map((r) => r.total)).size).toBeGreaterThan(1);
    expect(withoutSeconds(gradebook)).toEqual(withoutSeconds(readCsv(join(root, 'one', 'gradebook.csv'))));
    expect(JSON.parse(readFileSync(join(out, 'similarity.json'), 'utf8'))).toBeTruthy();
    expect(readFileSync(join(out, 'slurm', 'grade.sbatch'), 'utf8')).toContain('#SBATCH --array=1-2');
  });

  it('says in one line what to do when Slurm refuses the job', { timeout: 120_000 }, async () => {
    const submissions = join(root, 'one-student');
    mkdirSync(join(submissions, 'ada'), { recursive: true });
    const base = ['--submissions', submissions, '--out', join(root, 'refused'), '--slurm', '--tasks', '2'];
    const partition = await cli([...base, '--partition', 'nosuch'], cluster!.env);
    expect(partition.code).toBe(2);
    expect(partition.stderr).toBe(
      "error: Slurm has no partition 'nosuch' (partitions here: debug*): pass --partition with one of them\n",
    );
    const gres = await cli([...base, '--gres', 'gpu:1'], cluster!.env);
    expect(gres.code).toBe(2);
    expect(gres.stderr).toMatch(/^error: Slurm refused --gres gpu:1 \(no node here offers any\): [^\n]*\n$/);
    // A cluster that does not enforce partition limits would queue this for ever: the dry run refuses it.
    const cpus = await cli([...base, '--jobs', '1000'], cluster!.env);
    expect(cpus.code).toBe(2);
    expect(cpus.stderr).toBe(
      'error: no node of the default partition can run a task as asked (1000 CPUs (--jobs 1000)): ask for less, or another --partition (partitions here: debug*)\n',
    );
    expect(execFileSync('squeue', ['-h'], { env: cluster!.env, encoding: 'utf8' })).toBe('');
  });
});

describe('pnpm grade --slurm without Slurm', () => {
  it('says in one line where to run it when sbatch is not on PATH', async () => {
    const root = mkdtempSync(join(tmpdir(), 'slurm-none-'));
    mkdirSync(join(root, 'class', 'ada'), { recursive: true });
    const run = await cli(['--submissions', join(root, 'class'), '--out', join(root, 'out'), '--slurm'], {
      ...process.env,
      PATH: join(root, 'empty'),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error: --slurm needs Slurm's `sbatch` on PATH and it is not there: run this on the cluster's login node (where Slurm is a module: module load slurm)\n",
    );
    rmSync(root, { recursive: true, force: true });
  });
});
