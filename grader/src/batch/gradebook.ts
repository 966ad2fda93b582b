// gradebook.csv, rebuilt from the result files every time, so a killed batch loses nothing and merged shards
// give the same file as one machine would have.
import { stringify } from 'csv-stringify/sync';
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

export function gradebookRows(results: BatchResult[]): Array<Record<string, string | number>> {
  const tasks = gradebookTasks(results);
  return results.map((r) => {
    const report = r.report;
    const row: Record<string, string | number> = {
      student: r.student,
      total: report?.score ?? '',
      max: report?.maxScore ?? '',
    };
    for (const task of tasks) row[task.id] = report?.tasks.find((t) => t.id === task.id)?.score ?? '';
    Object.assign(row, {
      status: r.status,
      backend: report?.backend.name ?? '',
      seconds: r.seconds,
      message: r.message ?? '',
    });
    return row;
  });
}

/** A cell that a spreadsheet would run as a formula is written as text instead. */
function defuse(value: string | number): string | number {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function gradebookCsv(results: BatchResult[]): string {
  const rows = gradebookRows(results);
  const columns = [
    'student',
    'total',
    'max',
    ...gradebookTasks(results).map((t) => t.id),
    'status',
    'backend',
    'seconds',
    'message',
  ];
  return stringify(
    rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, defuse(v)]))),
    { header: true, columns, record_delimiter: 'windows' },
  );
}
