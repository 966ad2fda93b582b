// The one view of a report that the Handlebars templates (markdown and HTML) render, so both show the same
// facts: totals, tasks, each check with its message, expected-vs-found branches and training curves.

import type { CheckResult, CurvePoint, GradeReport } from '@course/core';
import { loadAssignment } from '@course/core';
import { visibilityNote } from './audience.ts';
import { lineChartSvg } from './svg-chart.ts';

const ICONS: Record<CheckResult['status'], string> = { passed: '✅', failed: '❌', error: '💥', skipped: '⏭️' };

export interface BranchRow {
  index: number;
  expected: string;
  found: string;
  differs: boolean;
}

/**
 * What an empty path is: a shortcut with no layers is the identity (x itself), any other path with no
 * layers is nothing. A table row says so rather than leaving an empty column.
 */
export function emptyPath(block: string): string {
  return /shortcut/i.test(block) ? 'identity (x itself)' : 'nothing';
}

function branchRows(block: string, expected: string[], found: string[]): BranchRow[] {
  if (expected.length === 0) expected = [emptyPath(block)];
  if (found.length === 0) found = [emptyPath(block)];
  return Array.from({ length: Math.max(expected.length, found.length) }, (_, i) => ({
    index: i + 1,
    expected: expected[i] ?? '',
    found: found[i] ?? '',
    differs: expected[i] !== found[i],
  }));
}

function curveSvg(curve: CurvePoint[], title: string): string {
  const pick = (key: 'trainLoss' | 'trainAcc' | 'testAcc') =>
    curve.flatMap((p) => (p[key] === undefined ? [] : [[p.epoch, p[key]] as [number, number]]));
  const series = [
    { name: 'train loss', points: pick('trainLoss') },
    { name: 'train acc', points: pick('trainAcc') },
    { name: 'test acc', points: pick('testAcc') },
  ].filter((s) => s.points.length > 0);
  return lineChartSvg(series, { title, xLabel: 'epoch' });
}

/** The assignment's title from its manifest (`Residual Networks (ResNet): exercises`), else its id. */
export function assignmentTitle(name: string): string {
  try {
    return loadAssignment(name).manifest.title;
  } catch {
    // A report from another copy of the course (batch results, an old report): its id still names it.
    return name;
  }
}

/** The report's type errors as lines of text (JUnit, Gradescope): where, what, and the student's line. */
export function typeErrorText(report: GradeReport): string[] {
  const t = report.typeErrors;
  if (!t) return [];
  const lines = [`${TYPE_ERRORS_TITLE} (${t.total}): ${TYPE_ERRORS_NOTE}`];
  for (const e of t.shown)
    lines.push(`${e.file}:${e.line}:${e.column}: ${e.message}`, ...e.excerpt.map((l) => `    ${l}`));
  if (t.total > t.shown.length) lines.push(`… and ${t.total - t.shown.length} more`);
  return lines;
}

/** The heading of the report's type errors, and what they cost (the same words in every format). */
export const TYPE_ERRORS_TITLE = 'Type errors';
export const TYPE_ERRORS_NOTE =
  'TypeScript’s, as `npx pnpm@10 typecheck` reports them. The checks grade what your code builds and runs; a type error costs points only through a type-check check.';

const percent = (score: number, max: number) => (max > 0 ? Math.round((100 * score) / max) : 100);

export function reportView(report: GradeReport, audience: 'student' | 'instructor') {
  const checks = report.checks.map((check) => {
    const d = check.details ?? {};
    return {
      ...check,
      icon: ICONS[check.status],
      note: visibilityNote(check.visibility),
      lines: d.lines ?? [],
      convention: d.convention ?? '',
      anchor: `check-${check.id}`,
      failing: check.status === 'failed' || check.status === 'error',
      branches: (d.branches ?? []).map((b) => ({ block: b.block, rows: branchRows(b.block, b.expected, b.found) })),
      curve: d.curve ?? [],
      curveSvg: d.curve && d.curve.length > 0 ? curveSvg(d.curve, check.title) : '',
      hasDetails: Boolean(d.lines?.length || d.branches?.length || d.curve?.length || d.convention),
    };
  });
  const tasks = report.tasks.map((task) => ({
    ...task,
    pending: task.status === 'manual-pending',
    checks: checks.filter((check) => check.task === task.id),
  }));
  const known = new Set(report.tasks.map((task) => task.id));
  const orphans = checks.filter((check) => !known.has(check.task));
  const typeErrors = report.typeErrors && {
    total: report.typeErrors.total,
    more: report.typeErrors.total - report.typeErrors.shown.length,
    shown: report.typeErrors.shown.map((e) => ({ ...e, where: `${e.file}:${e.line}:${e.column}` })),
    title: TYPE_ERRORS_TITLE,
    note: TYPE_ERRORS_NOTE,
  };
  return {
    report,
    typeErrors,
    title: assignmentTitle(report.assignment),
    failures: checks.filter((check) => check.failing),
    audience,
    instructor: audience === 'instructor',
    percent: percent(report.score, report.maxScore),
    passed: report.checks.filter((check) => check.status === 'passed').length,
    total: report.checks.length,
    tasks:
      orphans.length > 0 ? [...tasks, { id: 'other', title: 'Other checks', exercise: 0, checks: orphans }] : tasks,
    checks,
    detailed: checks.filter((check) => check.hasDetails),
  };
}
