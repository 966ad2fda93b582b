// Grading one submission in its own process: whatever the grader does on it (hang, crash, print garbage,
// spawn children of its own) costs only that submission's row. The child leads its own process group so a
// timeout kills the whole tree.
import { spawn } from 'node:child_process';
import { GradeReport } from '@course/core';

export type Outcome =
  | { status: 'graded'; report: GradeReport; seconds: number }
  | { status: 'error' | 'timeout'; message: string; seconds: number };

const STDOUT_CAP = 64 * 1024 * 1024;
const STDERR_TAIL = 16 * 1024;

/** The report is the JSON object on stdout; tolerate stray lines (library banners) before it. */
export function extractReport(stdout: string): GradeReport | string {
  const candidates = [stdout.trim()];
  const start = stdout.search(/^\{/m);
  if (start > 0) candidates.push(stdout.slice(start).trim());
  let problem = 'the grader printed no JSON report';
  for (const text of candidates) {
    if (!text.startsWith('{')) continue;
    try {
      const parsed = GradeReport.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      problem = `the grader's report does not match the schema: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`;
    } catch {
      problem = 'the grader printed output that is not valid JSON';
    }
  }
  return problem;
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ').slice(0, 500);
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Called with the child's pid, and again with undefined once it is gone (for clean-up on abort). */
  track?: (pid: number, alive: boolean) => void;
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function runGradeCommand(argv: string[], opts: RunOptions): Promise<Outcome> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 10) / 100;
  const [command, ...args] = argv;
  if (!command) throw new Error('the grade command is empty: give the program to run and its arguments');
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid !== undefined) opts.track?.(pid, true);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < STDOUT_CAP) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid === undefined) return;
      killGroup(pid, 'SIGTERM');
      setTimeout(() => killGroup(pid, 'SIGKILL'), 2000).unref();
    }, opts.timeoutMs);
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (pid !== undefined) {
        killGroup(pid, 'SIGKILL'); // grandchildren the grader left behind
        opts.track?.(pid, false);
      }
      resolve(outcome);
    };
    child.on('error', (err) =>
      finish({ status: 'error', message: `could not start the grader (${err.message})`, seconds: seconds() }),
    );
    // 'close' waits for every holder of the pipes; a descendant that escaped the process group could hold
    // them forever, so once the grader itself has exited (or been killed) its output is taken as it is.
    const closeAnyway = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!timedOut) clearTimeout(timer);
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        child.emit('close', code, signal);
      }, 2000).unref();
    };
    child.on('exit', closeAnyway);
    child.on('close', (code, signal) => {
      if (timedOut) {
        finish({
          status: 'timeout',
          message: `no result within ${opts.timeoutMs / 1000} s; the grader was killed`,
          seconds: seconds(),
        });
        return;
      }
      const report = extractReport(stdout);
      if (typeof report !== 'string') {
        finish({ status: 'graded', report, seconds: seconds() });
        return;
      }
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      const tail = lastLines(stderr, 3);
      finish({ status: 'error', message: `${report} (${how})${tail ? `: ${tail}` : ''}`, seconds: seconds() });
    });
  });
}
