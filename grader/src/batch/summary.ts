// The class summary: how scores spread, how often each check passes, and which failures are most common,
// as Markdown and as a self-contained HTML page with vega-lite charts rendered to inline SVG.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BatchResult } from '../records/result-file.ts';
import { renderTemplate } from '../reporters/templates.ts';

export interface StudentRow {
  student: string;
  status: string;
  score: number | null;
  maxScore: number | null;
  percent: number | null;
  seconds: number;
  finishedAt: string;
  /** Relative to the summary page: the student's own report, and the instructor's copy (hidden checks). */
  studentReport: string;
  instructorReport: string;
  message: string;
}

export interface TaskStats {
  id: string;
  title: string;
  maxScore: number;
  /** Students with an automatic score for the task (hand-graded tasks pending are left out). */
  graded: number;
  pending: number;
  mean: number;
  median: number;
}

export interface ClassSummary {
  students: number;
  graded: number;
  errors: number;
  timeouts: number;
  /** Students no shard has graded yet (merge with the class: a cancelled or failed Slurm task). */
  ungraded: number;
  meanPercent: number;
  medianPercent: number;
  roster: StudentRow[];
  tasks: TaskStats[];
  /** Checks by how many students failed them (failed or error), most first. */
  mostFailed: Array<{ id: string; title: string; failed: number; total: number }>;
  /** The similarity page, when the batch wrote one, and its groups of identical submissions. */
  similarity?: { page: string; identical: string[] };
  histogram: Array<{ bin: string; count: number }>;
  checks: Array<{ id: string; title: string; passed: number; total: number; rate: number }>;
  failures: Array<{ check: string; message: string; count: number }>;
  problems: Array<{ student: string; status: string; message: string }>;
}

const BINS = 10;

const round1 = (n: number) => Math.round(10 * n) / 10;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

function taskStats(graded: BatchResult[]): TaskStats[] {
  const tasks = new Map<
    string,
    { id: string; title: string; exercise: number; maxScore: number; scores: number[]; pending: number }
  >();
  for (const r of graded) {
    for (const t of r.report!.tasks) {
      const entry = tasks.get(t.id) ?? {
        id: t.id,
        title: t.title,
        exercise: t.exercise,
        maxScore: t.maxScore,
        scores: [],
        pending: 0,
      };
      if (t.status === 'manual-pending') entry.pending += 1;
      else entry.scores.push(t.score);
      entry.maxScore = Math.max(entry.maxScore, t.maxScore);
      tasks.set(t.id, entry);
    }
  }
  return [...tasks.values()]
    .sort((a, b) => a.exercise - b.exercise || (a.id < b.id ? -1 : 1))
    .map((t) => ({
      id: t.id,
      title: t.title,
      maxScore: t.maxScore,
      graded: t.scores.length,
      pending: t.pending,
      mean: round1(mean(t.scores)),
      median: round1(median(t.scores)),
    }));
}

function rosterRow(r: BatchResult): StudentRow {
  const report = r.report;
  const folder = encodeURIComponent(r.student);
  return {
    student: r.student,
    status: r.status,
    score: report?.score ?? null,
    maxScore: report?.maxScore ?? null,
    percent: report ? round1(report.maxScore > 0 ? (100 * report.score) / report.maxScore : 100) : null,
    seconds: Math.round(r.seconds * 10) / 10,
    finishedAt: r.finishedAt,
    studentReport: `reports/${folder}/report.html`,
    instructorReport: `instructor/${folder}/report.html`,
    message: r.message ?? '',
  };
}

export function summarize(
  results: BatchResult[],
  opts: { similarity?: { page: string; identical: string[][] } } = {},
): ClassSummary {
  const graded = results.filter((r) => r.status === 'graded' && r.report);
  const percents = graded.map((r) => (r.report!.maxScore > 0 ? (100 * r.report!.score) / r.report!.maxScore : 100));
  const histogram = Array.from({ length: BINS }, (_, i) => ({
    bin: `${i * 10}–${i === BINS - 1 ? 100 : i * 10 + 9}%`,
    count: percents.filter((p) => Math.min(BINS - 1, Math.floor(p / 10)) === i).length,
  }));
  const checks = new Map<string, { id: string; title: string; passed: number; failed: number; total: number }>();
  const failures = new Map<string, { check: string; message: string; count: number }>();
  for (const r of graded) {
    for (const c of r.report!.checks) {
      const entry = checks.get(c.id) ?? { id: c.id, title: c.title, passed: 0, failed: 0, total: 0 };
      entry.total += 1;
      if (c.status === 'passed') entry.passed += 1;
      if (c.status === 'failed' || c.status === 'error') entry.failed += 1;
      checks.set(c.id, entry);
      if (c.status === 'failed' || c.status === 'error') {
        const key = `${c.id}\0${c.message}`;
        const f = failures.get(key) ?? { check: c.id, message: c.message, count: 0 };
        f.count += 1;
        failures.set(key, f);
      }
    }
  }
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    students: results.length,
    graded: graded.length,
    errors: results.filter((r) => r.status === 'error').length,
    timeouts: results.filter((r) => r.status === 'timeout').length,
    ungraded: results.filter((r) => r.status === 'ungraded').length,
    meanPercent: round1(mean(percents)),
    medianPercent: round1(median(percents)),
    roster: results.map(rosterRow),
    tasks: taskStats(graded),
    mostFailed: [...checks.values()]
      .map((c) => ({ id: c.id, title: c.title, failed: c.failed, total: c.total }))
      .filter((c) => c.failed > 0)
      .sort((a, b) => b.failed - a.failed || (a.id < b.id ? -1 : 1))
      .slice(0, 10),
    ...(opts.similarity
      ? { similarity: { page: opts.similarity.page, identical: opts.similarity.identical.map((g) => g.join(', ')) } }
      : {}),
    histogram,
    checks: [...checks.values()]
      .sort(byId)
      .map(({ failed: _, ...c }) => ({ ...c, rate: c.total ? Math.round((1000 * c.passed) / c.total) / 10 : 0 })),
    failures: [...failures.values()]
      .sort((a, b) => b.count - a.count || (a.check + a.message < b.check + b.message ? -1 : 1))
      .slice(0, 15),
    problems: results
      .filter((r) => r.status !== 'graded')
      .map((r) => ({ student: r.student, status: r.status, message: r.message ?? '' })),
  };
}

async function svg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function summaryCharts(summary: ClassSummary): Promise<{ histogram: string; passRates: string }> {
  // Whole students only on the count axis (vega picks fractional ticks for small classes).
  const most = Math.max(1, ...summary.histogram.map((b) => b.count));
  const countAxis =
    most <= 10 ? { values: Array.from({ length: most + 1 }, (_, i) => i), format: 'd' } : { format: 'd' };
  const histogram = await svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Scores',
    width: 420,
    height: 180,
    data: { values: summary.histogram },
    mark: 'bar',
    encoding: {
      x: { field: 'bin', type: 'ordinal', sort: null, title: 'score (percent of the maximum)' },
      y: { field: 'count', type: 'quantitative', title: 'students', axis: countAxis },
    },
  });
  const passRates = await svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Pass rate of every check',
    width: 420,
    height: { step: 18 },
    data: { values: summary.checks },
    mark: 'bar',
    encoding: {
      y: { field: 'id', type: 'nominal', sort: null, title: null },
      x: { field: 'rate', type: 'quantitative', title: 'passed (%)', scale: { domain: [0, 100] } },
    },
  });
  return { histogram, passRates };
}

export function summaryMarkdown(summary: ClassSummary): string {
  return renderTemplate('summary.md.hbs', summary);
}

export async function summaryHtml(summary: ClassSummary): Promise<string> {
  return renderTemplate('summary.html.hbs', { ...summary, charts: await summaryCharts(summary) });
}
