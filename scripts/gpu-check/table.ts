// The GPU check's closing table: one row per backend, long text (device or reason) in the last column.
import type { CaseResult } from '@course/d2l';

export interface Row {
  backend: string;
  /** The device, or why the backend did not run. */
  device: string;
  /** Summary of the gradient comparison with the cpu backend. */
  numerics?: string;
  imagesPerSec?: number;
  /** Why the throughput run failed, when it did. */
  note?: string;
}

/** "3.8e-7 ok", "2.1e-3 HIGH (conv 3x3 s2 same)", or how many cases the backend could not run and why. */
export function summarizeNumerics(results: readonly CaseResult[], tolerance: number): string {
  const failed = results.filter((r) => r.error === undefined);
  if (failed.length > 0) {
    const problem = failed[0]!.problem ?? 'unknown error';
    const kernel = /Kernel '(\w+)' not registered/.exec(problem)?.[1];
    return `${failed.length}/${results.length} cases failed (${kernel ? `no ${kernel} kernel` : problem.slice(0, 60)})`;
  }
  const worst = results.reduce((a, b) => ((b.error ?? 0) > (a.error ?? 0) ? b : a), results[0]!);
  const error = worst.error ?? 0;
  return error <= tolerance ? `${error.toExponential(1)} ok` : `${error.toExponential(1)} HIGH (${worst.name})`;
}

export function formatTable(rows: readonly Row[]): string[] {
  const cells = rows.map((r) => [
    r.backend,
    r.imagesPerSec === undefined ? '—' : r.imagesPerSec.toFixed(1),
    r.numerics ?? '—',
    r.note ? `${r.device}; training: ${r.note}` : r.device,
  ]);
  const header = ['backend', 'img/s', 'grad err vs cpu', 'device'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (i < 3 ? c[i]!.length : 0))));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i < 3 ? v.padEnd(widths[i]!) : v))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)];
}
