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
    '--import',
    'tsx',
    join(REPO_ROOT, 'grader/src/cli.ts'),
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
