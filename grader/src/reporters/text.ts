// The terminal report: per-task totals, each check's status, score and message, and for failed checks the
// expected-vs-found lines (branches side by side) and the training curve. Colour only when asked.
import type { CheckResult, GradeReport } from '@course/core';
import { inertReport } from './inert.ts';
import { assignmentTitle, emptyPath, TYPE_ERRORS_NOTE, TYPE_ERRORS_TITLE } from './view.ts';

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
type Paint = (code: keyof typeof CODES, text: string) => string;

const STATUS: Record<CheckResult['status'], { tag: string; color: keyof typeof CODES }> = {
  passed: { tag: 'PASS', color: 'green' },
  failed: { tag: 'FAIL', color: 'red' },
  error: { tag: 'ERR ', color: 'yellow' },
  skipped: { tag: 'SKIP', color: 'gray' },
};

const pts = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

function sideBySide(block: string, expectedKinds: readonly string[], foundKinds: readonly string[]): string[] {
  const expected = expectedKinds.length ? expectedKinds : [`(${emptyPath(block)})`];
  const found = foundKinds.length ? foundKinds : [`(${emptyPath(block)})`];
  const rows = Math.max(expected.length, found.length, 1);
  const width = Math.max(8, ...expected.map((s) => s.length));
  const out = [`${'expected'.padEnd(width)}  found`];
  for (let i = 0; i < rows; i++) {
    const e = expected[i] ?? '';
    const f = found[i] ?? '';
    out.push(`${e.padEnd(width)}${e === f ? '  ' : ' ≠'}${f ? ` ${f}` : ''}`.trimEnd());
  }
  return out;
}

function checkLines(c: CheckResult, paint: Paint, short: boolean): string[] {
  const s = STATUS[c.status];
  // The id is what --checks takes, so a student can re-run just this check.
  const head = `  ${paint(s.color, s.tag)} ${pts(c.score).padStart(5)}/${pts(c.maxScore).padEnd(3)} ${c.title}  ${paint('gray', c.id)}${c.visibility === 'visible' ? '' : paint('gray', ` [${c.visibility}]`)}`;
  const lines = [head, `             ${c.status === 'passed' ? paint('gray', c.message) : c.message}`];
  if (c.status === 'passed' || c.status === 'skipped' || short) return lines;
  const d = c.details ?? {};
  for (const line of d.lines ?? []) {
    // Passing cases, the failing case the message already quotes, and cases failing for the very reason
    // the message gives (a stub's "not implemented yet" on every configuration) add nothing.
    if (line.startsWith('ok') || c.message.includes(line.replace(/^FAIL\s+/, '')) || line.endsWith(`: ${c.message}`))
      continue;
    lines.push(`             ${paint('gray', line)}`);
  }
  for (const b of (d.branches ?? []).filter((b) => b.expected.join() !== b.found.join())) {
    lines.push(`             ${b.block}:`);
    for (const row of sideBySide(b.block, b.expected, b.found)) lines.push(`               ${row}`);
  }
  return lines;
}

function curveLines(c: CheckResult, paint: Paint): string[] {
  const curve = c.details?.curve ?? [];
  if (curve.length === 0 || c.status !== 'passed') return [];
  const f = (v: number | undefined) => (v === undefined ? '  -  ' : v.toFixed(3));
  return curve.map(
    (p) =>
      `             ${paint('gray', `epoch ${p.epoch}: loss ${f(p.trainLoss)}, train acc ${f(p.trainAcc)}, test acc ${f(p.testAcc)}`)}`,
  );
}

/** Said once, before the tasks: each type error with its line; they cost points only through a type-check check. */
function typeErrorLines(report: GradeReport, paint: Paint, short: boolean): string[] {
  const t = report.typeErrors;
  if (!t) return [];
  const out = [paint('bold', `${TYPE_ERRORS_TITLE} (${t.total})`), paint('gray', TYPE_ERRORS_NOTE)];
  for (const e of t.shown) {
    out.push(`  ${paint('yellow', `${e.file}:${e.line}:${e.column}`)}: ${e.message}`);
    if (!short) for (const line of e.excerpt) out.push(`      ${paint('gray', line)}`);
  }
  if (t.total > t.shown.length) out.push(paint('gray', `  … and ${t.total - t.shown.length} more`));
  out.push('');
  return out;
}

/**
 * The terminal report. `short` (what the terminal gets when --out writes the files) keeps each check's
 * line and message and leaves the detail lines, branch tables and curves to the files.
 */
export function renderText(unsafe: GradeReport, opts: { color?: boolean; short?: boolean } = {}): string {
  const report = inertReport(unsafe);
  const short = opts.short ?? false;
  const paint: Paint = (code, text) => (opts.color ? `\x1b[${CODES[code]}m${text}\x1b[0m` : text);
  const out: string[] = [paint('bold', `${assignmentTitle(report.assignment)} — ${report.submission.path}`), ''];
  for (const line of report.submission.refused ?? []) out.push(paint('red', line));
  if (report.submission.refused?.length) out.push('');
  out.push(...typeErrorLines(report, paint, short));
  for (const task of report.tasks) {
    const title = `Exercise ${task.exercise}: ${task.title}`;
    if (task.status === 'manual-pending') {
      out.push(`${paint('bold', title)}  ${paint('blue', `manual, pending (${pts(task.maxScore)} points)`)}`, '');
      continue;
    }
    const color = task.score === task.maxScore ? 'green' : task.score === 0 ? 'red' : 'yellow';
    out.push(`${paint('bold', title)}  ${paint(color, `${pts(task.score)} / ${pts(task.maxScore)}`)}`);
    for (const c of report.checks.filter((x) => x.task === task.id))
      out.push(...checkLines(c, paint, short), ...(short ? [] : curveLines(c, paint)));
    out.push('');
  }
  const manual = report.tasks.filter((t) => t.status === 'manual-pending').reduce((s, t) => s + t.maxScore, 0);
  const total = report.score === report.maxScore ? 'green' : report.score === 0 ? 'red' : 'yellow';
  out.push(
    `${paint('bold', 'Total')}  ${paint(total, `${pts(report.score)} / ${pts(report.maxScore)}`)}${manual ? `  (+ ${pts(manual)} points graded by hand)` : ''}`,
    paint(
      'gray',
      `backend: ${report.backend.name}, ${report.backend.device}; training profile ${report.trainingProfile}; seed ${report.seed}`,
    ),
    paint(
      'gray',
      `sandbox: ${report.limits.timeoutMs / 1000} s and ${report.limits.heapMb} MB heap${report.limits.dataMb ? ` (${report.limits.dataMb} MB data)` : ''} per file, permission model ${report.limits.permissionModel ? 'on' : 'off'}, network ${report.limits.network}`,
    ),
    '',
  );
  return out.join('\n');
}
