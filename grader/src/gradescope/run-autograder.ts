// Gradescope's entry point: grade $AUTOGRADER_ROOT/submission in a child process and write
// $AUTOGRADER_ROOT/results/results.json, also when the submission, the grader or this script fails.
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_ASSIGNMENT, loadAssignment, REPO_ROOT } from '@course/core';
import { writeFileAtomic } from '@course/d2l';
import { defaultGradeCommand } from '../batch/grade-command.ts';
import { runGradeCommand } from '../batch/run-one.ts';
import { type GradescopeResults, gradescopeFailure, toGradescope } from '../reporters/gradescope.ts';
import { ASSIGNMENT_FILE } from './package.ts';

const SKIPPED = new Set(['node_modules', '.git']);

/**
 * The folder that holds the student's files: students upload loose files, a zip, or a whole repository.
 * Links are never followed (Dirent types come from lstat): a linked folder is not searched, and a
 * student file that is a link still marks its folder, so that grading refuses it with one line
 * (grader/src/intake.ts) rather than grading a file from elsewhere.
 */
export async function findSubmissionFolder(
  root: string,
  studentFiles: readonly string[],
  depth = 5,
): Promise<string | undefined> {
  const queue: Array<[string, number]> = [[root, 0]];
  for (let item = queue.shift(); item; item = queue.shift()) {
    const [dir, level] = item;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => !e.isDirectory() && studentFiles.includes(e.name))) return dir;
    if (level < depth) {
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory() && !SKIPPED.has(e.name)) queue.push([join(dir, e.name), level + 1]);
      }
    }
  }
  return undefined;
}

export interface AutograderOptions {
  root: string;
  /** The assignment graded: the zip's gradescope-assignment.txt (written by `pnpm grade gradescope`). */
  assignment: string;
  /** argv of the grader with '{submission}'; default: the grader CLI with hidden checks, as JSON. */
  command?: string[];
  timeoutMs: number;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): AutograderOptions {
  const named = join(REPO_ROOT, ASSIGNMENT_FILE);
  return {
    root: env.AUTOGRADER_ROOT ?? '/autograder',
    assignment: env.GRADER_ASSIGNMENT ?? (existsSync(named) ? readFileSync(named, 'utf8').trim() : DEFAULT_ASSIGNMENT),
    command: env.GRADER_COMMAND ? (JSON.parse(env.GRADER_COMMAND) as string[]) : undefined,
    // Gradescope's default limit is 10 minutes; stop a little earlier so the results still get written.
    timeoutMs: Number(env.AUTOGRADER_TIMEOUT_S ?? 540) * 1000,
  };
}

export async function runAutograder(opts: AutograderOptions): Promise<GradescopeResults> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const resultsFile = join(opts.root, 'results', 'results.json');
  let results: GradescopeResults;
  try {
    const files = loadAssignment(opts.assignment).files.filter((f) => f.endsWith('.ts'));
    const folder = await findSubmissionFolder(join(opts.root, 'submission'), files);
    if (!folder) {
      results = gradescopeFailure(
        `no ${files.join(' or ')} found in the submission: upload ${files.length > 1 ? 'these files' : 'this file'} (or your whole repository) and resubmit`,
        elapsed(),
      );
    } else {
      const command =
        opts.command ??
        defaultGradeCommand({
          hidden: true,
          backend: 'auto',
          seed: 0,
          extraArgs: ['--assignment', opts.assignment],
        });
      const outcome = await runGradeCommand(
        command.map((arg) => arg.replaceAll('{submission}', folder)),
        { cwd: REPO_ROOT, timeoutMs: opts.timeoutMs },
      );
      results =
        outcome.status === 'graded' ? toGradescope(outcome.report) : gradescopeFailure(outcome.message, elapsed());
    }
  } catch (err) {
    results = gradescopeFailure(err instanceof Error ? err.message : String(err), elapsed());
  }
  await writeFileAtomic(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let options: AutograderOptions | undefined;
  try {
    options = optionsFromEnv();
  } catch (err) {
    options = {
      root: process.env.AUTOGRADER_ROOT ?? '/autograder',
      assignment: DEFAULT_ASSIGNMENT,
      timeoutMs: 540_000,
      command: ['false'],
    };
    process.stderr.write(`GRADER_COMMAND is not a JSON array of strings (${String(err)}); grading will fail\n`);
  }
  const results = await runAutograder(options);
  process.stdout.write(`score ${results.score}\n${results.output}\n`);
}
