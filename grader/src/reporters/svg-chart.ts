// A small synchronous SVG line chart for training curves, so a report renders in one pass with no browser
// and no async renderer. Every piece of text is escaped: labels may come from a report.

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function ticks(min: number, max: number, count: number): number[] {
  if (max === min) return [min];
  return Array.from({ length: count + 1 }, (_, i) => min + ((max - min) * i) / count);
}

const label = (n: number) => (Math.abs(n) >= 100 || Number.isInteger(n) ? String(Math.round(n)) : n.toFixed(2));

export function lineChartSvg(
  series: Series[],
  opts: { title: string; xLabel: string; width?: number; height?: number },
): string {
  const width = opts.width ?? 420;
  const height = opts.height ?? 240;
  const pad = { left: 44, right: 110, top: 24, bottom: 36 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return '';
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys, 1e-9)];
  const px = (x: number) => pad.left + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const py = (y: number) => height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(opts.title)}" font-family="sans-serif" font-size="11">`,
    `<text x="${pad.left}" y="14" font-weight="bold">${escapeXml(opts.title)}</text>`,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 4}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`,
  ];
  for (const t of ticks(y0, y1, 4)) {
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`,
      `<text x="${pad.left - 4}" y="${py(t) + 4}" text-anchor="end">${label(t)}</text>`,
    );
  }
  for (const t of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(`<text x="${px(t)}" y="${height - pad.bottom + 14}" text-anchor="middle">${label(t)}</text>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
      ...pts.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"/>`),
      `<text x="${width - pad.right + 8}" y="${pad.top + 14 * (i + 1)}" fill="${color}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
