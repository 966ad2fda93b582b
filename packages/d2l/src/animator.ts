// The book's `Animator`, for a terminal: a live progress bar with ETA while training (only on a
// TTY, so logs and CI output stay clean), and the curves as an SVG (and PNG) file at the end.
// Charts are drawn by Vega-Lite, rendered headless by Vega; PNG by resvg. Vega is loaded when a chart
// is drawn, not with the training loop (a second of start-up for every grading that trains).
import { createRequire } from 'node:module';
import type * as vl from 'vega-lite';
import { writeFileAtomic } from './atomic-write.ts';

export interface Series {
  name: string;
  points: Array<{ x: number; y: number }>;
}

export interface ChartOptions {
  xlabel?: string;
  ylabel?: string;
  title?: string;
  xlim?: [number, number];
  ylim?: [number, number];
  width?: number;
  height?: number;
}

/** A line chart of `series` as a standalone SVG document (also for embedding in HTML reports). */
export async function renderLineChartSvg(series: Series[], options: ChartOptions = {}): Promise<string> {
  const values = series.flatMap((s) =>
    s.points.filter((p) => Number.isFinite(p.y)).map((p) => ({ ...p, series: s.name })),
  );
  const scale = (domain?: [number, number]) => (domain ? { domain, nice: false } : { zero: false });
  const byName = { field: 'series', type: 'nominal', scale: { domain: series.map((s) => s.name) } } as const;
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? 360,
    height: options.height ?? 240,
    background: 'white',
    data: { values },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xlabel ?? 'x', scale: scale(options.xlim) },
      y: { field: 'y', type: 'quantitative', title: options.ylabel ?? '', scale: scale(options.ylim) },
    },
    layer: [
      {
        mark: { type: 'line', clip: true },
        encoding: { color: { ...byName, legend: { title: null } }, strokeDash: { ...byName, legend: { title: null } } },
      },
      // Dots for curves too short to draw a line (e.g. test accuracy after one epoch).
      {
        transform: [
          { filter: { field: 'series', oneOf: series.filter((s) => s.points.length < 3).map((s) => s.name) } },
        ],
        mark: { type: 'point', filled: true, size: 40 },
        encoding: { color: { ...byName, legend: null } },
      },
    ],
  };
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  // The dots layer hides its legend on purpose; vega-lite would warn about the "conflict".
  const compiled = vegaLite.compile(spec, { logger: vega.logger(vega.None) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG bytes for an SVG, or undefined when resvg's native binary is not installed here. */
export function svgToPng(svg: string): Uint8Array | undefined {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js'));
  } catch {
    return undefined;
  }
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface AnimatorOptions extends ChartOptions {
  /** One name per curve, in the order of the values given to `add`. */
  legend: string[];
  /** Steps for the progress bar (e.g. epochs × batches); can be set later with `setTotal`. */
  total?: number;
  /** Where the progress bar goes (default stderr); nothing is drawn unless it is a TTY. */
  stream?: ProgressStream;
  now?: () => number;
}

export interface Animator {
  /** Add one point per curve at `x`; null/undefined/NaN skips that curve (as the book's Animator). */
  add(x: number, ys: Array<number | null | undefined>): void;
  setTotal(total: number): void;
  /** Report `done` of `total` steps; `info` (e.g. "loss 0.512") follows the bar. */
  tick(done: number, info?: string): void;
  /** End the progress line. */
  finish(): void;
  series(): Series[];
  toSvg(): Promise<string>;
  /** Write `<path>.svg` and, when possible, `<path>.png`; returns the paths written. */
  save(pathWithoutExt: string): Promise<{ svg: string; png?: string }>;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One line of progress: percent, bar, counts, elapsed and ETA. */
export function formatProgress(done: number, total: number, elapsed: number, info = '', width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
  const etaText = Number.isFinite(eta) ? formatDuration(eta) : '?';
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  return `${pct} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${formatDuration(elapsed)}<${etaText}${info ? ` ${info}` : ''}`;
}

export function createAnimator(options: AnimatorOptions): Animator {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now() / 1000);
  const curves: Series[] = options.legend.map((name) => ({ name, points: [] }));
  let total = options.total ?? 0;
  let startedAt: number | undefined;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;

  return {
    add(x, ys) {
      if (ys.length !== curves.length) {
        throw new Error(
          `Animator.add got ${ys.length} values for ${curves.length} curves (${options.legend.join(', ')})`,
        );
      }
      ys.forEach((y, i) => {
        if (typeof y === 'number' && Number.isFinite(y)) curves[i]!.points.push({ x, y });
      });
    },
    setTotal(n) {
      total = n;
    },
    tick(done, info) {
      startedAt ??= now();
      if (!stream.isTTY) return;
      const t = now();
      // Redrawing more than ~10 times a second only costs time.
      if (done < total && t - lastDraw < 0.1) return;
      lastDraw = t;
      const line = formatProgress(done, total, t - startedAt, info);
      const cols = stream.columns ?? 100;
      stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
    series: () => curves.map((c) => ({ name: c.name, points: [...c.points] })),
    toSvg() {
      return renderLineChartSvg(curves, options);
    },
    async save(pathWithoutExt) {
      const svg = await renderLineChartSvg(curves, options);
      const paths: { svg: string; png?: string } = { svg: `${pathWithoutExt}.svg` };
      writeFileAtomic(paths.svg, svg);
      const png = svgToPng(svg);
      if (png) {
        paths.png = `${pathWithoutExt}.png`;
        writeFileAtomic(paths.png, png);
      }
      return paths;
    },
  };
}
