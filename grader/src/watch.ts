// `pnpm grade --watch`: grade once, then again on every save, re-running only the checks of the files
// that changed (a change to any other .ts file, a helper the student imports, re-runs them all). The
// report printed each time is whole: the checks not re-run keep their last result.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { GradeReport } from '@course/core';
import { type CheckRef, checksOfFiles } from './check-selection.ts';

export interface WatchEvent {
  /** Files whose content changed since the last grading ([] for the first). */
  changed: string[];
  /** The checks this grading ran. */
  rerun: string[];
}

export interface WatchOptions {
  submissionDir: string;
  known: readonly CheckRef[];
  /** `--checks`, when given: the watch never runs more than these. */
  selected?: readonly string[];
  /** Grades the submission running only `checks`. */
  grade(checks: string[]): Promise<GradeReport>;
  onReport(report: GradeReport, event: WatchEvent): void | Promise<void>;
  onError?(error: unknown): void;
  /** Stops watching (the promise returned by watchSubmission then resolves). */
  signal?: AbortSignal;
  /** Quiet time after the last file event before grading (editors write a file in several steps). */
  debounceMs?: number;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** `next` with the results of the checks it did not run taken from `prev`, and the totals recomputed. */
export function mergeReports(prev: GradeReport, next: GradeReport, rerun: ReadonlySet<string>): GradeReport {
  const before = new Map(prev.checks.map((c) => [c.id, c]));
  const checks = next.checks.map((c) => (rerun.has(c.id) ? c : (before.get(c.id) ?? c)));
  const sum = (list: typeof checks, key: 'score' | 'maxScore') => round2(list.reduce((s, c) => s + c[key], 0));
  return {
    ...next,
    checks,
    tasks: next.tasks.map((t) =>
      t.status === 'graded'
        ? {
            ...t,
            score: sum(
              checks.filter((c) => c.task === t.id),
              'score',
            ),
          }
        : t,
    ),
    score: sum(checks, 'score'),
    maxScore: sum(checks, 'maxScore'),
  };
}

function fingerprints(dir: string): Map<string, string> {
  const prints = new Map<string, string>();
  if (!existsSync(dir)) return prints;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!name.endsWith('.ts') || !statSync(path).isFile()) continue;
    prints.set(name, createHash('sha256').update(readFileSync(path)).digest('hex'));
  }
  return prints;
}

/** Grades now, then after every change until `signal` aborts. */
export async function watchSubmission(opts: WatchOptions): Promise<void> {
  const all = opts.known.filter((c) => !opts.selected || opts.selected.includes(c.id)).map((c) => c.id);
  let prints = fingerprints(opts.submissionDir);
  let last: GradeReport | undefined;
  let pending = false;
  let running: Promise<void> = Promise.resolve();

  const gradeChanged = async () => {
    const now = fingerprints(opts.submissionDir);
    const names = new Set([...prints.keys(), ...now.keys()]);
    const changed = [...names].filter((n) => prints.get(n) !== now.get(n)).sort();
    prints = now;
    if (last && changed.length === 0) return;
    const studentFiles = new Set(opts.known.map((c) => c.file));
    const rerun = !last || changed.some((f) => !studentFiles.has(f)) ? all : checksOfFiles(opts.known, changed, all);
    if (rerun.length === 0) return;
    try {
      const report = await opts.grade(rerun);
      last = last ? mergeReports(last, report, new Set(rerun)) : report;
      await opts.onReport(last, { changed: last === report ? [] : changed, rerun });
    } catch (err) {
      opts.onError?.(err);
    }
  };
  // One grading at a time: changes that arrive meanwhile are graded together right after it.
  const schedule = () => {
    if (pending) return;
    pending = true;
    running = running.then(async () => {
      pending = false;
      await gradeChanged();
    });
  };

  // Watching starts before the first grading, so that a save made while it runs is graded after it.
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(opts.submissionDir, (_event, name) => {
    if (name && !String(name).endsWith('.ts')) return;
    clearTimeout(timer);
    timer = setTimeout(schedule, opts.debounceMs ?? 200);
  });
  schedule();
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      watcher.close();
      running.then(() => resolve());
    };
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });
  });
}
