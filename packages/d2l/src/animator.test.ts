import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAnimator, formatProgress, renderLineChartSvg } from './animator.ts';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 200, write: (t: string) => chunks.push(t) } };
}

describe('Animator', () => {
  it('draws a progress bar with ETA on a TTY', () => {
    let clock = 0;
    const { chunks, stream } = fakeStream(true);
    const anim = createAnimator({ legend: ['a'], total: 4, stream, now: () => clock });
    anim.tick(0);
    clock = 10;
    anim.tick(1, 'loss 0.5');
    anim.finish();
    expect(chunks.join('')).toContain(' 25% [######------------------] 1/4 0:10<0:30 loss 0.5');
    expect(chunks.at(-1)).toBe('\n');
  });

  it('stays quiet when the stream is not a TTY', () => {
    const { chunks, stream } = fakeStream(false);
    const anim = createAnimator({ legend: ['a'], total: 2, stream });
    anim.tick(1);
    anim.tick(2);
    anim.finish();
    expect(chunks).toEqual([]);
  });

  it('keeps one curve per legend entry, skipping missing values', () => {
    const anim = createAnimator({ legend: ['train loss', 'test acc'], stream: fakeStream(false).stream });
    anim.add(0.5, [2.1, null]);
    anim.add(1, [1.7, 0.6]);
    expect(anim.series()).toEqual([
      {
        name: 'train loss',
        points: [
          { x: 0.5, y: 2.1 },
          { x: 1, y: 1.7 },
        ],
      },
      { name: 'test acc', points: [{ x: 1, y: 0.6 }] },
    ]);
    expect(() => anim.add(2, [1])).toThrow(/got 1 values for 2 curves/);
  });

  it('saves the curves as SVG (with axis titles and legend) and PNG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'd2l-anim-'));
    const anim = createAnimator({
      legend: ['train loss', 'test acc'],
      xlabel: 'epoch',
      xlim: [1, 3],
      stream: fakeStream(false).stream,
    });
    [1, 2, 3].forEach((e) => {
      anim.add(e, [1 / e, 0.5 + e / 10]);
    });
    const paths = await anim.save(join(dir, 'curves'));
    const svg = readFileSync(paths.svg, 'utf8');
    expect(svg).toMatch(/^<svg/);
    for (const text of ['epoch', 'train loss', 'test acc']) expect(svg).toContain(text);
    expect(paths.png).toBeDefined();
    expect(readFileSync(paths.png!).subarray(1, 4).toString()).toBe('PNG');
  });

  it('renders an empty chart without failing', async () => {
    expect(await renderLineChartSvg([{ name: 'x', points: [] }])).toMatch(/^<svg/);
  });
});

describe('formatProgress', () => {
  it('says ? for the ETA before any step is done', () => {
    expect(formatProgress(0, 10, 0)).toBe('  0% [------------------------] 0/10 0:00<?');
  });
});
