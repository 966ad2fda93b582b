// The review page in a real browser (Debian's chromium, driven by Playwright): keyboard grading, a comment,
// the server killed with SIGKILL and started again, and a student's HTML that must not run.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../grader-version.ts';
import { chromiumReady, launchChromium } from '../test-browser.ts';
import { makeGradedClass } from './class-fixture.ts';

const ready = chromiumReady('review-browser.test');

const HOSTILE = `## Exercise 1: Inception block vs residual block

Residual blocks **add**; Inception concatenates.

<script>window.pwned = 'script'</script>
<img src="x" onerror="window.pwned = 'onerror'">
<svg onload="window.pwned = 'svg'"></svg>
<a href="javascript:window.pwned='link'">click</a> [md link](javascript:window.pwned='md')
<iframe src="javascript:parent.pwned='iframe'"></iframe>

## Exercise 5: Why not increase complexity without bound?

Overfitting.
`;

/** `pnpm grade review` as an instructor runs it, on a free port; resolves with its URL. */
function startCli(out: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'grader/src/cli.ts'), 'review', '--out', out, '--port', '0'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /hand grading at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`review exited with ${code}: ${stderr}`)));
  });
}

const kill = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

// These functions run in the page (the CSP allows no string eval); this package is not typed for the DOM.
interface PageGlobals {
  pwned?: string;
  document: {
    getElementById(id: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): ArrayLike<{ dataset: Record<string, string> }>;
  };
}
const saved = (page: Page) =>
  page.waitForFunction(
    () => (globalThis as unknown as PageGlobals).document.getElementById('saved')?.textContent === 'saved',
  );
const pwned = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).pwned);
const checkedItems = (page: Page) =>
  page.evaluate(() =>
    Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('#rubric input:checked')).map(
      (box) => box.dataset.item,
    ),
  );

describe.skipIf(!ready)('review page in chromium', () => {
  let context: BrowserContext;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    context = await launchChromium();
  });
  afterAll(async () => {
    await context?.close();
    for (const child of servers) await kill(child);
  });

  it('grades by keyboard, keeps everything through a killed server, and never runs the student HTML', async () => {
    const cls = await makeGradedClass({
      alice: { auto: { 'ex3-bottleneck': 30 }, answers: HOSTILE },
      bob: { auto: { 'ex3-bottleneck': 20 }, answers: '## Exercise 1\n\nBob answers.\n' },
    });
    let server = await startCli(cls.out);
    servers.push(server.child);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${server.url}/task/ex1-inception/alice`);
    await expect.poll(() => page.textContent('#answer strong')).toBe('add');
    // Shown as text, never run.
    expect(await page.textContent('#answer')).toContain("<script>window.pwned = 'script'</script>");
    await page.click('#answer >> text=md link').catch(() => {});
    expect(await pwned(page)).toBeUndefined();
    expect(await page.$$('#answer script, #answer img, #answer svg, #answer iframe')).toHaveLength(0);

    // Rubric items 1 and 3 by number, a comment, then to bob and back.
    await page.keyboard.press('1');
    await saved(page);
    await page.keyboard.press('3');
    await saved(page);
    expect(await page.textContent('#score')).toBe('6');
    await page.keyboard.press('c');
    await page.keyboard.type('Good comparison; say why the identity path helps.');
    await page.keyboard.press('Escape');
    await saved(page);
    await page.keyboard.press('j');
    await page.waitForURL(/\/task\/ex1-inception\/bob$/);
    expect(await page.textContent('#student-name')).toBe('bob');
    await page.keyboard.press('4');
    await saved(page);
    await page.keyboard.press('k');
    await page.waitForURL(/\/alice$/);
    expect(await checkedItems(page)).toEqual(['branches', 'reduction']);

    // Killed, not stopped: nothing may wait for a clean shutdown.
    await kill(server.child);
    server = await startCli(cls.out);
    servers.push(server.child);
    await page.goto(`${server.url}/task/ex1-inception/alice`);
    expect(await checkedItems(page)).toEqual(['branches', 'reduction']);
    expect(await page.inputValue('#comment')).toBe('Good comparison; say why the identity path helps.');
    expect(await page.textContent('#state')).toBe('graded');
    await page.keyboard.press('3'); // untick
    await saved(page);
    expect(await page.textContent('#score')).toBe('3');

    const rows = parse(readFileSync(join(cls.out, 'gradebook.csv')), { columns: true, bom: true }) as Array<
      Record<string, string>
    >;
    expect(rows.map((r) => [r.student, r['ex1-inception'], r['ex5-nested-classes'], r.total])).toEqual([
      ['alice', '3', 'pending', '33'],
      ['bob', '1', 'pending', '21'],
    ]);
    expect(dialogs).toEqual([]);
    expect(await pwned(page)).toBeUndefined();
  });
});
