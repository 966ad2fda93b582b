// Bench: grade the reference solution end to end (`pnpm grade --format json`, training included) and
// report the wall time and the peak memory of the grader process and of its whole process tree
// (the sandboxed children included). Targets: ≤ 60 s and ≤ 768 MB (Gradescope's default container).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SOLUTION = join(ROOT, 'packages/resnet/src/solution');
const SUBMISSION = existsSync(join(SOLUTION, 'preact.ts'))
  ? SOLUTION
  : join(ROOT, 'grader/test-submissions/reference-scratch');

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid and all its descendants, from /proc (Linux only; empty elsewhere). */
function tree(root: number): number[] {
  if (!existsSync('/proc')) return [];
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

export async function run(): Promise<{ name: string; rows: Record<string, string | number>[]; notes: string[] }> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'grader/src/cli.ts'), '--submission', SUBMISSION, '--format', 'json'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let graderPeak = 0;
  let treePeak = 0;
  const poll = setInterval(() => {
    const pids = tree(child.pid ?? 0);
    graderPeak = Math.max(graderPeak, rssMb(child.pid ?? 0));
    treePeak = Math.max(
      treePeak,
      pids.reduce((s, p) => s + rssMb(p), 0),
    );
  }, 100);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(poll);
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`grading the reference failed (exit ${code}): ${stderr.trim().split('\n').at(-1)}`);
  const report = JSON.parse(stdout) as {
    score: number;
    maxScore: number;
    backend: { name: string };
    trainingProfile: string;
  };
  return {
    name: 'grade',
    rows: [
      {
        what: 'grade the reference (all checks, training included)',
        backend: report.backend.name,
        profile: report.trainingProfile,
        score: `${report.score}/${report.maxScore}`,
        'wall s': Number(seconds.toFixed(1)),
        'grader peak MB': Math.round(graderPeak),
        'tree peak MB': Math.round(treePeak),
      },
    ],
    notes: [
      'targets: ≤ 60 s and ≤ 768 MB (Gradescope default container); tree = grader + sandboxed children + tsx',
      'the tree peak sums the resident sizes of all processes sampled at the same instant (every 100 ms)',
    ],
  };
}
