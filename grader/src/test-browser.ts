// Test support: Debian's chromium under Playwright, headless, offline and with a fresh profile, for the
// browser tests (the HTML report, the review page). Where chromium is missing the tests skip and say why.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether chromium is here; prints why a test file skips when it is not. */
export function chromiumReady(testFile: string): boolean {
  const ready = existsSync(CHROMIUM);
  if (!ready) console.warn(`${testFile}: skipped, ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`);
  return ready;
}

/** A browser with a profile of its own that reaches nothing on the network by itself. */
export function launchChromium(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'chromium-profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    ...(options.viewport ? { viewport: options.viewport } : {}),
  });
}
