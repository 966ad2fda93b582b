// A failing HTML report in a real browser (Debian's chromium, driven by Playwright): it opens with the list
// of failures, whose links jump to each check, and no line runs past the edge of a narrow window.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from '../grade.ts';
import { chromiumReady, launchChromium } from '../test-browser.ts';
import { fixtureSubmission } from '../test-helpers.ts';
import { renderReport } from './index.ts';

const ready = chromiumReady('report-browser.test');

// The page is read with expressions (strings): this package is not typed for the DOM.
const LAYOUT = `(() => {
  const body = document.body;
  const failures = document.querySelector('#failures');
  const firstCheck = document.querySelector('section.check');
  const firstTable = document.querySelector('table');
  const before = (a, b) => Boolean(a && b && (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING));
  // Every element whose content is wider than its box (what the student would have to scroll to read).
  const clipped = [...body.querySelectorAll('*')]
    .filter((el) => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible' || (el.clientWidth > 0 && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
    .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').slice(0, 60));
  return {
    headings: [...document.querySelectorAll('h1, h2')].map((h) => h.textContent.trim()),
    failuresFirst: before(failures, firstCheck) && before(failures, firstTable),
    links: [...document.querySelectorAll('#failures a')].map((a) => a.getAttribute('href')),
    pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    clipped,
    text: body.innerText,
  };
})()`;

interface Layout {
  headings: string[];
  failuresFirst: boolean;
  links: string[];
  pageScroll: number;
  clipped: string[];
  text: string;
}

describe.skipIf(!ready)('the HTML report in a browser', () => {
  let context: BrowserContext;
  let page: Page;
  let url: string;
  beforeAll(async () => {
    // A real failing grading: an always-on projection (a shortcut table with "identity" in it), and a
    // message made long and unbreakable, as a TF.js shape dump or a path can be.
    const report = await gradeSubmission({
      submissionDir: fixtureSubmission('mistaken-projection-always'),
      checks: ['bottleneck.builds', 'bottleneck.structure', 'bottleneck.identity'],
    });
    const long = report.checks.map((c) =>
      c.id === 'bottleneck.identity' ? { ...c, message: `${c.message} ${'[24,24,256]'.repeat(40)}` } : c,
    );
    const dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReport({ ...report, checks: long }, 'html'));
    url = pathToFileURL(file).href;
    context = await launchChromium({ viewport: { width: 480, height: 800 } });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
  }, 180_000);

  afterAll(async () => {
    await context?.close();
  });

  it('opens with the failures, names the assignment by its title, and its links jump to each check', async () => {
    const layout = (await page.evaluate(LAYOUT)) as Layout;
    expect(layout.headings[0]).toBe('Residual Networks (ResNet): exercises');
    expect(layout.headings[1]).toMatch(/^\d+ checks? to fix$/);
    expect(layout.failuresFirst).toBe(true);
    expect(layout.links).toEqual(['#check-bottleneck.structure', '#check-bottleneck.identity']);
    await page.click('#failures a[href="#check-bottleneck.identity"]');
    const top = (await page.evaluate(
      `document.getElementById('check-bottleneck.identity').getBoundingClientRect().top`,
    )) as number;
    expect(Math.abs(top)).toBeLessThan(5);
  });

  it('wraps long lines instead of clipping them, even in a narrow window', async () => {
    const layout = (await page.evaluate(LAYOUT)) as Layout;
    expect(layout.pageScroll).toBeLessThanOrEqual(0);
    expect(layout.clipped).toEqual([]);
  });

  it('says "identity" where a shortcut has no layers, instead of an empty column', async () => {
    const layout = (await page.evaluate(LAYOUT)) as Layout;
    expect(layout.text).toMatch(/identity \(x itself\)/);
  });
});
