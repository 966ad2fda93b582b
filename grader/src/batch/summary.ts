// The class summary: how scores spread, how often each check passes, and which failures are most common,
// as Markdown and as a self-contained HTML page with vega-lite charts rendered to inline SVG.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { renderTemplate } from '../reporters/templates.ts';
import type { BatchResult } from './result-file.ts';

export interface ClassSummary {
  students: number;
  graded: number;
  errors: number;
  timeouts: number;
  meanPercent: number;
  histogram: Array<{ bin: string; count: number }>;
  checks: Array<{ id: string; title: string; passed: number; total: number; rate: number }>;
  failures: Array<{ check: string; message: string; count: number }>;
  problems: Array<{ student: string; status: string; message: string }>;
}

const BINS = 10;

export function summarize(results: BatchResult[]): ClassSummary {
  const graded = results.filter((r) => r.status === 'graded' && r.report);
  const percents = graded.map((r) => (r.report!.maxScore > 0 ? (100 * r.report!.score) / r.report!.maxScore : 100));
  const histogram = Array.from({ length: BINS }, (_, i) => ({
    bin: `${i * 10}–${i === BINS - 1 ? 100 : i * 10 + 9}%`,
    count: percents.filter((p) => Math.min(BINS - 1, Math.floor(p / 10)) === i).length,
  }));
  const checks = new Map<string, { id: string; title: string; passed: number; total: number }>();
  const failures = new Map<string, { check: string; message: string; count: number }>();
  for (const r of graded) {
    for (const c of r.report!.checks) {
      const entry = checks.get(c.id) ?? { id: c.id, title: c.title, passed: 0, total: 0 };
      entry.total += 1;
      if (c.status === 'passed') entry.passed += 1;
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
    meanPercent: percents.length ? Math.round((10 * percents.reduce((a, b) => a + b, 0)) / percents.length) / 10 : 0,
    histogram,
    checks: [...checks.values()]
      .sort(byId)
      .map((c) => ({ ...c, rate: c.total ? Math.round((1000 * c.passed) / c.total) / 10 : 0 })),
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
