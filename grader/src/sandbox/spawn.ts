// Run one compiled student bundle in a child process under a time limit, a heap limit, Node's permission
// model (read access to the bundle only; no writes, child processes or workers) and, where the OS allows,
// a fresh network namespace. Replies are size-checked and parsed with zod; nothing else is believed.
import { execFileSync, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { SandboxLimits } from '@course/core';
import { type BuildItem, ChildReply, MAX_REPLY_CHARS } from './protocol.ts';

export interface SandboxOptions {
  timeoutMs?: number;
  heapMb?: number;
  /** Limit on the child's data segment (RLIMIT_DATA: heap plus array buffers), in MB. */
  dataMb?: number;
}

/** All replies of one child together: one per build, the largest (ResNet-152) well under 1 MB. */
const MAX_TOTAL_REPLY_CHARS = 4 * MAX_REPLY_CHARS;

/**
 * Per child. The runner shares one zero buffer among a model's weights, so building ResNet-152 needs
 * under 100 MB; a hostile child is held to 256 MB of data (heap plus array buffers), and with children
 * run one at a time (childGate) the grader's whole process tree stays within Gradescope's 768 MB.
 */
export const DEFAULT_LIMITS = { timeoutMs: 60_000, heapMb: 192, dataMb: 256 } as const;
const PRLIMIT = '/usr/bin/prlimit';

export type ItemOutcome =
  | { ok: true; topology: Record<string, unknown> }
  | {
      ok: false;
      reason:
        | 'exception'
        | 'not-a-tensor'
        | 'not-a-model'
        | 'missing-export'
        | 'load-failed'
        | 'timeout'
        | 'out-of-memory'
        | 'crashed'
        | 'bad-reply';
      message: string;
      frames: string[];
    };

export interface SandboxRun {
  outcomes: Map<string, ItemOutcome>;
  /** Peak resident memory of the child, in MB (0 when /proc is not available). */
  peakRssMb: number;
  stderrTail: string;
}

let networkProbe: { isolate: boolean; description: string } | undefined;

/** Whether children can get their own network namespace here (root on Linux with util-linux's unshare). */
export function networkIsolation(): { isolate: boolean; description: string } {
  if (networkProbe) return networkProbe;
  const why = (description: string) =>
    (networkProbe = { isolate: false, description: `not isolated (${description})` });
  if (process.platform !== 'linux') return why(`network namespaces need Linux, this is ${process.platform}`);
  if (process.getuid?.() !== 0) return why('network namespaces need root; run the grader as root in its container');
  if (!existsSync('/usr/bin/unshare')) return why('util-linux unshare is not installed');
  try {
    execFileSync('/usr/bin/unshare', ['--net', 'true'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return why('unshare --net is not permitted in this container');
  }
  networkProbe = { isolate: true, description: 'isolated (fresh network namespace via unshare --net)' };
  return networkProbe;
}

export function sandboxLimits(options: SandboxOptions = {}): SandboxLimits {
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
    heapMb: options.heapMb ?? DEFAULT_LIMITS.heapMb,
    // --max-old-space-size does not cover array buffers (a Float64Array bomb); RLIMIT_DATA does.
    ...(existsSync(PRLIMIT) && process.platform === 'linux' ? { dataMb: options.dataMb ?? DEFAULT_LIMITS.dataMb } : {}),
    permissionModel: true,
    network: networkIsolation().description,
  };
}

function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs children through it at most `width` at a time, in the order they come (one grading's files). */
export type ChildGate = <T>(start: () => Promise<T>) => Promise<T>;

/**
 * One at a time by default: two children at their memory limits beside the grader would not fit 768 MB.
 * A child's time limit starts when it starts, so a hang in one file delays the other, never fails it.
 */
export function childGate(width = 1): ChildGate {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (start) => {
    if (running >= width) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await start();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Build `items` with the bundle at `file` in a sandboxed child; every item gets an outcome. */
export function runSandboxed(
  bundle: { file: string; runtime: string },
  items: readonly BuildItem[],
  options: SandboxOptions = {},
  gate?: ChildGate,
): Promise<SandboxRun> {
  return gate ? gate(() => runChild(bundle, items, options)) : runChild(bundle, items, options);
}

function runChild(
  bundle: { file: string; runtime: string },
  items: readonly BuildItem[],
  options: SandboxOptions,
): Promise<SandboxRun> {
  const limits = sandboxLimits(options);
  const nodeFlags = [
    '--experimental-permission',
    // Read access to the two compiled files only: no node_modules, no reference, no grader sources.
    `--allow-fs-read=${bundle.file}`,
    `--allow-fs-read=${bundle.runtime}`,
    `--max-old-space-size=${limits.heapMb}`,
    '--enable-source-maps',
    '--no-warnings',
    '--disallow-code-generation-from-strings',
  ];
  const net = networkIsolation();
  // fork runs `execPath ...execArgv bundle args`: wrap node in prlimit, and that in unshare.
  let command = [process.execPath, ...nodeFlags];
  if (limits.dataMb) command = [PRLIMIT, `--data=${limits.dataMb * 1024 * 1024}`, '--', ...command];
  if (net.isolate) command = ['/usr/bin/unshare', '--net', '--', ...command];
  const child = fork(bundle.file, [JSON.stringify(items)], {
    execPath: command[0],
    execArgv: command.slice(1),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: '' },
    serialization: 'json',
  });
  const outcomes = new Map<string, ItemOutcome>();
  const asked = new Set(items.map((i) => i.key));
  let stderr = '';
  let replyChars = 0;
  let peak = 0;
  let violation: string | undefined;
  // The grader, not the child, decides when a child is done: once every key asked has its one reply
  // (or on a violation, or at the time limit) it is killed, and nothing it sends after is read.
  let done = false;
  const finish = () => {
    done = true;
    child.kill('SIGKILL');
  };
  const violate = (what: string) => {
    violation = what;
    finish();
  };
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8192);
  });
  child.stdout?.resume();
  const poll = setInterval(() => {
    peak = Math.max(peak, rssOf(child.pid));
  }, 100);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    finish();
  }, limits.timeoutMs);

  // The student's code runs in the child too, and can call process.send itself, before the runner does,
  // for any key, any number of times: exactly one reply per key asked is accepted, and nothing else.
  child.on('message', (raw: unknown) => {
    if (done) return;
    if (typeof raw !== 'string') return violate('a message that is not a JSON string');
    replyChars += raw.length;
    if (raw.length > MAX_REPLY_CHARS) return violate(`a reply over ${MAX_REPLY_CHARS / 1024 / 1024} MB`);
    if (replyChars > MAX_TOTAL_REPLY_CHARS)
      return violate(`replies over ${MAX_TOTAL_REPLY_CHARS / 1024 / 1024} MB in all`);
    let parsed: ChildReply;
    try {
      parsed = ChildReply.parse(JSON.parse(raw));
    } catch {
      return violate('a malformed reply');
    }
    peak = Math.max(peak, rssOf(child.pid));
    if (parsed.type === 'load-failed') {
      if (outcomes.size > 0) return violate('a load failure after replies');
      for (const item of items)
        outcomes.set(item.key, { ok: false, reason: 'load-failed', message: parsed.message, frames: parsed.frames });
    } else {
      const key = shortKey(parsed.key);
      if (!asked.has(parsed.key)) return violate(`a reply for ${key}, which the grader did not ask for`);
      if (outcomes.has(parsed.key)) return violate(`a second reply for ${key}`);
      outcomes.set(
        parsed.key,
        parsed.type === 'built'
          ? { ok: true, topology: parsed.topology }
          : { ok: false, reason: parsed.reason, message: parsed.message, frames: parsed.frames },
      );
    }
    if (items.every((i) => outcomes.has(i.key))) finish();
  });

  return new Promise((resolvePromise) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      const oom =
        /heap out of memory|Allocation failed|RangeError: (Array buffer allocation failed|Invalid typed array length)/.test(
          stderr,
        );
      // A protocol violation costs every build of this file: none of its replies can be trusted.
      if (violation)
        for (const item of items)
          outcomes.set(item.key, {
            ok: false,
            reason: 'bad-reply',
            message: `protocol violation: the child process sent ${violation} (only the grader's runner may reply, once per build)`,
            frames: [],
          });
      const missing = items.filter((i) => !outcomes.has(i.key));
      for (const item of missing) {
        const outcome: ItemOutcome = timedOut
          ? {
              ok: false,
              reason: 'timeout',
              message: `timed out after ${limits.timeoutMs / 1000} s (an endless loop, or far too much work?)`,
              frames: [],
            }
          : oom
            ? {
                ok: false,
                reason: 'out-of-memory',
                message: `ran out of memory (heap limit ${limits.heapMb} MB${limits.dataMb ? `, data limit ${limits.dataMb} MB` : ''})`,
                frames: [],
              }
            : {
                ok: false,
                reason: 'crashed',
                message: `the child process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) before returning a model${permissionHint(stderr)}`,
                frames: [],
              };
        outcomes.set(item.key, outcome);
      }
      resolvePromise({ outcomes, peakRssMb: Math.round(peak), stderrTail: stderr.slice(-2000) });
    });
  });
}

/** A key as it reads in a message: the child chose it, so it is quoted and cut short. */
function shortKey(key: string): string {
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
}

function permissionHint(stderr: string): string {
  const m = /ERR_ACCESS_DENIED[\s\S]{0,200}?(?:permission: '?(\w+)'?|resource: '([^']*)')/.exec(stderr);
  if (m || /ERR_ACCESS_DENIED/.test(stderr)) return `: access denied by the sandbox${m?.[2] ? ` (${m[2]})` : ''}`;
  return '';
}
