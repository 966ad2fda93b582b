// Gradescope's results.json (gradescope-autograders "specs"). Gradescope itself hides tests from students
// by their `visibility`, so hidden checks go in as `after_published` rather than being dropped.

import type { CheckResult, GradeReport } from '@course/core';
import { z } from 'zod';
import { typeErrorText } from './view.ts';

const GradescopeVisibility = z.enum(['hidden', 'after_due_date', 'after_published', 'visible']);

export const GradescopeTest = z.object({
  name: z.string(),
  number: z.string(),
  score: z.number(),
  max_score: z.number(),
  status: z.enum(['passed', 'failed']),
  output: z.string(),
  tags: z.array(z.string()),
  visibility: GradescopeVisibility,
});

export const GradescopeResults = z.object({
  score: z.number(),
  execution_time: z.number(),
  output: z.string(),
  output_format: z.enum(['text', 'html', 'simple_format', 'md', 'ansi']),
  visibility: GradescopeVisibility,
  stdout_visibility: GradescopeVisibility,
  tests: z.array(GradescopeTest),
  extra_data: z.record(z.string(), z.unknown()).optional(),
});
export type GradescopeResults = z.infer<typeof GradescopeResults>;

function checkOutput(check: CheckResult): string {
  const lines = [check.message, ...(check.details?.lines ?? [])];
  if (check.details?.convention) lines.push(`Convention matched: ${check.details.convention}`);
  for (const branch of check.details?.branches ?? []) {
    lines.push(`${branch.block}: expected ${branch.expected.join(' → ')}; found ${branch.found.join(' → ')}`);
  }
  return lines.join('\n');
}

export function toGradescope(report: GradeReport): GradescopeResults {
  const exerciseOf = new Map(report.tasks.map((task) => [task.id, task.exercise]));
  const titleOf = new Map(report.tasks.map((task) => [task.id, task.title]));
  const counters = new Map<string, number>();
  const tests = report.checks.map((check) => {
    const n = (counters.get(check.task) ?? 0) + 1;
    counters.set(check.task, n);
    return {
      name: `${titleOf.get(check.task) ?? check.task}: ${check.title}`,
      number: `${exerciseOf.get(check.task) ?? 0}.${n}`,
      score: check.score,
      max_score: check.maxScore,
      status: check.status === 'passed' ? ('passed' as const) : ('failed' as const),
      output: checkOutput(check),
      tags: [check.task, check.id],
      visibility: check.visibility === 'hidden' ? ('after_published' as const) : check.visibility,
    };
  });
  const pending = report.tasks.filter((task) => task.status === 'manual-pending');
  const output = [
    `Score ${report.score} / ${report.maxScore} (grader ${report.graderVersion}, backend ${report.backend.device}).`,
    ...pending.map(
      (task) => `Exercise ${task.exercise} (${task.title}) is graded by hand: ${task.maxScore} points pending.`,
    ),
    ...typeErrorText(report),
  ].join('\n');
  return {
    score: report.score,
    execution_time: Math.round(report.durationMs / 100) / 10,
    output,
    output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests,
    extra_data: { submissionHash: report.submission.hash, backend: report.backend.name, seed: report.seed },
  };
}

/** What run_autograder writes when there is no report at all: zero points and the reason. */
export function gradescopeFailure(reason: string, executionSeconds: number): GradescopeResults {
  return {
    score: 0,
    execution_time: Math.round(executionSeconds * 10) / 10,
    output: `The grader could not grade this submission: ${reason}`,
    output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: [],
  };
}
