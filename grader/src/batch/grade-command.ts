// The command that grades one submission in a child process: the grader CLI, printing its report as JSON.
// Kept apart from the batch so that run_autograder loads only this and not the batch's charts.
import { join } from 'node:path';
import type { BackendChoice } from '@course/d2l';
import { REPO_ROOT } from '../grader-version.ts';

export interface GradeCommandOptions {
  hidden: boolean;
  backend: BackendChoice;
  seed: number;
  /** The assignment every submission is graded against (--assignment); the CLI's default when absent. */
  assignment?: string;
  /** Extra arguments for the grader CLI (e.g. --skip-training). */
  extraArgs?: string[];
}

export function defaultGradeCommand(opts: GradeCommandOptions): string[] {
  return [
    process.execPath,
    // The bin runs the CLI bundle (built once by the batch before its jobs start), else the sources.
    join(REPO_ROOT, 'grader/bin/grade.mjs'),
    '--submission',
    '{submission}',
    '--format',
    'json',
    '--backend',
    opts.backend,
    '--seed',
    String(opts.seed),
    ...(opts.assignment ? ['--assignment', opts.assignment] : []),
    ...(opts.hidden ? ['--hidden'] : []),
    ...(opts.extraArgs ?? []),
  ];
}
