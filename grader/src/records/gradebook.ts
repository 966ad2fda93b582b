// gradebook.csv, rebuilt from the result files (and the hand grades, when there are any) every time, so a
// killed batch loses nothing and merged shards give the same file as one machine would have.
// A written task nobody has graded yet is "pending", never 0; the total is auto + hand − late penalty,
// out of every task's points (the manifest's total, plus the hidden checks' points with --hidden).
import { basename, join, resolve } from 'node:path';
import type { Manifest } from '@course/core';
import { type Assignment, listAssignments, loadAssignment } from '@course/core';
import { writeFileAtomic } from '@course/d2l';
import { stringify } from 'csv-stringify/sync';
import { REPO_ROOT } from '../grader-version.ts';
import { type Lateness, lateness, type SubmissionTime, submissionTimes } from './deadlines.ts';
import { emptyHandGrades, type HandGrades, readHandGrades } from './hand-grades.ts';
import type { BatchResult } from './result-file.ts';

export interface GradebookTask {
  id: string;
  exercise: number;
}

/** Every task seen in any graded report, in exercise order. */
export function gradebookTasks(results: BatchResult[]): GradebookTask[] {
  const tasks = new Map<string, GradebookTask>();
  for (const r of results) for (const t of r.report?.tasks ?? []) tasks.set(t.id, { id: t.id, exercise: t.exercise });
  return [...tasks.values()].sort((a, b) => a.exercise - b.exercise || (a.id < b.id ? -1 : 1));
}

/** What, besides the results, decides a final grade. */
export interface GradebookContext {
  hand: HandGrades;
  /** Hand-in time per student; a student missing here has an unknown time (no penalty). */
  times: ReadonlyMap<string, SubmissionTime>;
  deadline: Pick<Manifest, 'due' | 'latePolicy'>;
}

export const NO_CONTEXT: GradebookContext = { hand: emptyHandGrades(), times: new Map(), deadline: {} };

export interface FinalGrade {
  student: string;
  status: BatchResult['status'];
  /** Points from the automatic checks; undefined when the submission could not be graded. */
  auto?: number;
  /** Points from the hand-graded tasks graded so far. */
  hand: number;
  /** Hand-graded tasks nobody has graded yet. */
  pending: string[];
  /** Each task's points, or 'pending' for an ungraded written task. */
  tasks: Record<string, number | 'pending'>;
  submittedAt?: SubmissionTime;
  late: Lateness;
  /** Points taken off for lateness. */
  penalty: number;
  total?: number;
  max?: number;
  /** The graders' comments, task by task. */
  comments: Array<{ task: string; text: string }>;
  result: BatchResult;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function finalGrades(results: BatchResult[], ctx: GradebookContext = NO_CONTEXT): FinalGrade[] {
  return results.map((r) => {
    const handGrades = ctx.hand.grades[r.student] ?? {};
    const submittedAt = ctx.times.get(r.student);
    const late = lateness(ctx.deadline.due, ctx.deadline.latePolicy, submittedAt?.at);
    const comments = Object.entries(handGrades)
      .filter(([, g]) => g.comment.trim() !== '')
      .map(([task, g]) => ({ task, text: g.comment.trim() }));
    const base = { student: r.student, status: r.status, submittedAt, late, comments, result: r };
    if (!r.report) return { ...base, hand: 0, pending: [], tasks: {}, penalty: 0 };
    const tasks: FinalGrade['tasks'] = {};
    const pending: string[] = [];
    let auto = 0;
    let hand = 0;
    for (const t of r.report.tasks) {
      if (t.kind === 'auto') {
        tasks[t.id] = t.score;
        auto += t.score;
        continue;
      }
      const grade = handGrades[t.id];
      if (grade?.graded) {
        tasks[t.id] = grade.score;
        hand += grade.score;
      } else {
        tasks[t.id] = 'pending';
        pending.push(t.id);
      }
    }
    const earned = auto + hand;
    const penalty = round2((earned * late.penaltyPercent) / 100);
    return {
      ...base,
      auto: round2(auto),
      hand: round2(hand),
      pending,
      tasks,
      penalty,
      total: round2(earned - penalty),
      max: round2(r.report.tasks.reduce((s, t) => s + t.maxScore, 0)),
    };
  });
}

export function gradebookRows(
  results: BatchResult[],
  ctx: GradebookContext = NO_CONTEXT,
): Array<Record<string, string | number>> {
  const tasks = gradebookTasks(results);
  return finalGrades(results, ctx).map((g) => {
    const report = g.result.report;
    const row: Record<string, string | number> = { student: g.student, total: g.total ?? '', max: g.max ?? '' };
    for (const task of tasks) row[task.id] = g.tasks[task.id] ?? '';
    Object.assign(row, {
      auto: g.auto ?? '',
      hand: report ? g.hand : '',
      pending: g.pending.join(' '),
      submitted_at: g.submittedAt?.at ?? '',
      time_from: g.submittedAt?.source ?? '',
      days_late: g.submittedAt && ctx.deadline.due ? g.late.daysLate : '',
      late_penalty: report ? g.penalty : '',
      status: g.late.pastCutoff && g.status === 'graded' ? 'past-cutoff' : g.status,
      backend: report?.backend.name ?? '',
      seconds: g.result.seconds,
      message: g.result.message ?? '',
    });
    return row;
  });
}

/** A cell that a spreadsheet would run as a formula is written as text instead. */
export function defuse(value: string | number): string | number {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * A CSV for spreadsheets: a UTF-8 byte-order mark (so Excel reads é and ß), CRLF line ends, RFC 4180
 * quoting, and formula-like cells defused.
 */
export function spreadsheetCsv(rows: Array<Record<string, string | number>>, columns: string[]): string {
  return stringify(
    rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, defuse(v)]))),
    { header: true, columns, record_delimiter: 'windows', bom: true },
  );
}

export const GRADEBOOK_COLUMNS_AFTER_TASKS = [
  'auto',
  'hand',
  'pending',
  'submitted_at',
  'time_from',
  'days_late',
  'late_penalty',
  'status',
  'backend',
  'seconds',
  'message',
];

export function gradebookCsv(results: BatchResult[], ctx: GradebookContext = NO_CONTEXT): string {
  const columns = [
    'student',
    'total',
    'max',
    ...gradebookTasks(results).map((t) => t.id),
    ...GRADEBOOK_COLUMNS_AFTER_TASKS,
  ];
  return spreadsheetCsv(gradebookRows(results, ctx), columns);
}

/** The assignment the reports name, when this copy of the repository has it. */
export function assignmentOf(results: BatchResult[]): Assignment | undefined {
  const name = results.find((r) => r.report)?.report?.assignment;
  return name && listAssignments().includes(name) ? loadAssignment(name) : undefined;
}

/**
 * Each student's submission folder: under `submissionsDir` when given, else where the report says it
 * was graded (relative paths are the repository root's, where the batch runs the grader).
 */
export function submissionFolders(results: BatchResult[], submissionsDir?: string): Map<string, string> {
  const folders = new Map<string, string>();
  for (const r of results) {
    if (submissionsDir) folders.set(r.student, resolve(submissionsDir, r.student));
    else if (r.report && basename(r.report.submission.path) === r.student)
      folders.set(r.student, resolve(REPO_ROOT, r.report.submission.path));
  }
  return folders;
}

export interface ContextOptions {
  submissionsDir?: string;
  manifest?: Manifest;
}

export function loadGradebookContext(
  outDir: string,
  results: BatchResult[],
  opts: ContextOptions = {},
): GradebookContext {
  const manifest = opts.manifest ?? assignmentOf(results)?.manifest;
  return {
    hand: readHandGrades(outDir),
    times: submissionTimes(submissionFolders(results, opts.submissionsDir)),
    deadline: { due: manifest?.due, latePolicy: manifest?.latePolicy },
  };
}

/** Writes OUT/gradebook.csv atomically; returns its path. */
export function writeGradebook(outDir: string, results: BatchResult[], ctx: GradebookContext): string {
  const path = join(outDir, 'gradebook.csv');
  writeFileAtomic(path, gradebookCsv(results, ctx));
  return path;
}
