// The batch scripts as Slurm runs them (bash, with SLURM_ARRAY_TASK_ID set), here with a stand-in for Node
// that writes down the arguments it gets: paths with spaces, quotes and dollars reach the grader intact,
// the merge's status is the job's, and a node without Node says so in one line.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScontrol, parseSqueue, sbatchRefusal } from './commands.ts';
import { arraySpec, gradeScript, mergeScript, type ScriptPlan } from './scripts.ts';

const root = mkdtempSync(join(tmpdir(), 'slurm-scripts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const odd = join(root, `it's a $HOME "class"`);
const plan: ScriptPlan = {
  repoRoot: join(odd, 'repo'),
  node: '/nonexistent/node',
  submissionsDir: join(odd, 'submissions'),
  outDir: join(odd, 'out'),
  tasks: 3,
  jobName: 'grade-resnet',
  partition: 'gpu',
  gres: 'gpu:1',
  timeMinutes: 90,
  cpusPerTask: 2,
  gradeArgs: ['--jobs', '2', '--backend', 'auto', '--checks', 'a.b,c.d', '--only', "o'neil"],
};
mkdirSync(plan.repoRoot, { recursive: true });
mkdirSync(join(plan.outDir, 'slurm'), { recursive: true });

/** A Node stand-in: answers the version checks, logs every other call's arguments, exits $FAKE_STATUS. */
const fakeNode = join(root, 'fake-node');
writeFileSync(
  fakeNode,
  `#!/bin/bash
case "$1" in -e) exit 0;; --version) echo v20.0.0; exit 0;; esac
printf '%s\\n' "$PWD" "TF_FORCE_GPU_ALLOW_GROWTH=\${TF_FORCE_GPU_ALLOW_GROWTH-unset}" "$@" "--" >> "${root}/calls"
exit "\${FAKE_STATUS:-0}"
`,
);
chmodSync(fakeNode, 0o755);

function runScript(text: string, env: Record<string, string>) {
  const file = join(root, 'job.sbatch');
  writeFileSync(file, text);
  rmSync(join(root, 'calls'), { force: true });
  const ran = spawnSync('/bin/bash', [file], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  let calls: string[][] = [];
  try {
    calls = readFileSync(join(root, 'calls'), 'utf8')
      .split('\n--\n')
      .filter(Boolean)
      .map((c) => c.split('\n'));
  } catch {}
  return { ...ran, calls };
}

describe('the Slurm batch scripts', () => {
  it('ask Slurm for the array, the partition, the GPU and the time, and grade shard I/N in task I', () => {
    const text = gradeScript(plan);
    for (const line of [
      '#SBATCH --array=1-3',
      '#SBATCH --partition=gpu',
      '#SBATCH --gres=gpu:1',
      '#SBATCH --time=90',
      '#SBATCH --cpus-per-task=2',
      `#SBATCH --output="${join(plan.outDir, 'slurm/logs').replaceAll('"', '\\"')}/grade-%A_%a.out"`,
    ])
      expect(text).toContain(line);
    const ran = runScript(text, { GRADE_NODE: fakeNode, SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_JOB_ID: '7' });
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout).toBe(
      `task 2/3 (job 7_2) on ${spawnSync('hostname', { encoding: 'utf8' }).stdout.trim()}, Node v20.0.0\n`,
    );
    expect(ran.calls).toEqual([
      [
        plan.repoRoot,
        // One GPU, --jobs 2: each libtensorflow takes GPU memory as it needs it, not all of it at start.
        'TF_FORCE_GPU_ALLOW_GROWTH=true',
        join(plan.repoRoot, 'grader/bin/grade.mjs'),
        '--submissions',
        plan.submissionsDir,
        '--out',
        join(plan.outDir, 'shards/2'),
        '--shard',
        '2/3',
        ...plan.gradeArgs,
      ],
    ]);
  });

  it('merge: joins every shard, exports when there is a roster, and ends with the merge status', () => {
    const text = mergeScript(plan, '7');
    expect(text).not.toContain('--gres');
    expect(text).toContain('#SBATCH --cpus-per-task=1');
    const merge = [
      plan.repoRoot,
      'TF_FORCE_GPU_ALLOW_GROWTH=unset',
      join(plan.repoRoot, 'grader/bin/grade.mjs'),
      'merge',
      '--out',
      plan.outDir,
      '--submissions',
      plan.submissionsDir,
      '--slurm-job',
      '7',
      ...[1, 2, 3].map((i) => join(plan.outDir, 'shards', String(i))),
    ];
    const failed = runScript(text, { GRADE_NODE: fakeNode, FAKE_STATUS: '1' });
    expect(failed.status).toBe(1);
    expect(failed.calls).toEqual([merge]);
    writeFileSync(join(plan.outDir, 'roster.csv'), 'folder\nada\n');
    const exported = runScript(text, { GRADE_NODE: fakeNode });
    expect(exported.status).toBe(0);
    expect(exported.calls[1]).toEqual([
      plan.repoRoot,
      'TF_FORCE_GPU_ALLOW_GROWTH=unset',
      join(plan.repoRoot, 'grader/bin/grade.mjs'),
      'export',
      '--out',
      plan.outDir,
      '--submissions',
      plan.submissionsDir,
    ]);
    rmSync(join(plan.outDir, 'roster.csv'));
  });

  it('sources the site setup, and says in one line when a node has no Node', () => {
    writeFileSync(join(plan.outDir, 'slurm', 'setup.sh'), `export GRADE_NODE=${JSON.stringify(fakeNode)}\n`);
    const loaded = runScript(gradeScript(plan), { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '7' });
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.calls).toHaveLength(1);
    rmSync(join(plan.outDir, 'slurm', 'setup.sh'));
    // A PATH with the usual tools but no node.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    symlinkSync(
      spawnSync('sh', ['-c', 'command -v hostname'], { encoding: 'utf8' }).stdout.trim(),
      join(bin, 'hostname'),
    );
    const none = runScript(gradeScript(plan), { PATH: bin, SLURM_ARRAY_TASK_ID: '1' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(
      /^error: no Node\.js 20 on \S+: install it where the nodes see it .*docs\/slurm\.md\)\n$/,
    );
  });

  it('writes --array as ranges', () => {
    expect(arraySpec([7, 1, 2, 3, 5, 8])).toBe('1-3,5,7-8');
    expect(arraySpec([2])).toBe('2');
  });
});

describe("Slurm's answers", () => {
  // As Slurm 22.05 (Debian 12) prints them.
  it('reads squeue and scontrol', () => {
    expect(parseSqueue('2|PENDING|Dependency|\n1_1|RUNNING|None|vm\n')).toEqual([
      { id: '2', state: 'PENDING', reason: 'Dependency' },
      { id: '1_1', state: 'RUNNING', nodes: 'vm' },
    ]);
    const scontrol =
      'JobId=1 ArrayJobId=1 ArrayTaskId=2 JobName=a.sbatch UserId=root(0) JobState=CANCELLED Reason=None Dependency=(null) Requeue=1 ExitCode=0:15 ReqNodeList=(null) NodeList=vm BatchHost=vm\n' +
      'JobId=2 JobName=wrap JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 NodeList=vm\n';
    expect(parseScontrol(scontrol)).toEqual([
      { id: '1_2', state: 'CANCELLED', exitCode: 0, signal: 15, nodes: 'vm' },
      { id: '2', state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 3, signal: 0, nodes: 'vm' },
    ]);
  });

  it("turns sbatch's refusals into one line that says what to do", () => {
    const ctx = { cpusPerTask: 1, partitions: ['debug*', 'gpu'], gresByPartition: ['gpu gpu:a100:4'] };
    expect(
      sbatchRefusal(
        'sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified\n',
        { ...ctx, partition: 'nosuch' },
      ),
    ).toBe("Slurm has no partition 'nosuch' (partitions here: debug*, gpu): pass --partition with one of them");
    expect(
      sbatchRefusal('sbatch: error: Invalid generic resource (gres) specification\n', { ...ctx, gres: 'tpu:1' }),
    ).toMatch(/^Slurm refused --gres tpu:1 \(offered: gpu gpu:a100:4\): pass a GRES its nodes have/);
    expect(
      sbatchRefusal(
        'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n',
        ctx,
      ),
    ).toMatch(/^cannot reach the Slurm controller \(Batch job submission failed: Unable to contact/);
    expect(sbatchRefusal('sbatch: error: Batch job submission failed: Something new\n', ctx)).toBe(
      'sbatch refused the job: Batch job submission failed: Something new (the scripts are in OUT/slurm/; docs/slurm.md says what to set)',
    );
  });
});
