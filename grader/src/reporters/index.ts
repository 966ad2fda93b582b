// Every report format from one GradeReport. The CLI imports this module dynamically; the names of its
// exports are a contract (renderReport, writeReports, appendStepSummary, ReportFormat).
import { appendFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GradeReport } from '@course/core';
import { writeFileAtomic } from '@course/d2l';
import { type Audience, defaultAudience, forAudience } from './audience.ts';
import { toGradescope } from './gradescope.ts';
import { inertReport } from './inert.ts';
import { renderJunit } from './junit.ts';
import { renderTemplate } from './templates.ts';
import { renderText } from './text.ts';
import { reportView } from './view.ts';

export type ReportFormat = 'text' | 'json' | 'gradescope' | 'junit' | 'markdown' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'gradescope', 'junit', 'markdown', 'html'];
export type { Audience } from './audience.ts';

export interface RenderOptions {
  /** 'student' drops hidden checks (and their points); defaults to 'instructor' when hidden checks ran. */
  audience?: Audience;
  color?: boolean;
}

export interface WriteOptions extends RenderOptions {
  /** Also append report.md to $GITHUB_STEP_SUMMARY when it is set (default true; batch mode turns it off). */
  stepSummary?: boolean;
}

/** The file each format is written to by writeReports. */
export const REPORT_FILES: Record<ReportFormat, string> = {
  text: 'report.txt',
  json: 'report.json',
  gradescope: 'results.json',
  junit: 'junit.xml',
  markdown: 'report.md',
  html: 'report.html',
};

export function renderReport(report: GradeReport, format: ReportFormat, opts: RenderOptions = {}): string {
  const audience = opts.audience ?? defaultAudience(report);
  // A report read back from disk (batch results, `grade merge`) is made inert again: every format is written
  // from inert strings (inert.ts).
  const safe = inertReport(report);
  // Gradescope shows or hides each test itself, by its visibility, so it gets every check.
  if (format === 'gradescope') return `${JSON.stringify(toGradescope(safe), null, 2)}\n`;
  const seen = forAudience(safe, audience);
  switch (format) {
    case 'text':
      return renderText(seen, { color: opts.color });
    case 'json':
      return `${JSON.stringify(seen, null, 2)}\n`;
    case 'junit':
      return renderJunit(seen);
    case 'markdown':
      return renderTemplate('report.md.hbs', reportView(seen, audience));
    case 'html':
      return renderTemplate('report.html.hbs', reportView(seen, audience));
    default:
      throw new Error(`unknown report format '${format as string}': use one of ${REPORT_FORMATS.join(', ')}`);
  }
}

/**
 * Writes every format into outDir (each file atomically) and returns the paths written. In a GitHub
 * Actions step the Markdown report also goes to the step summary, so `pnpm grade --out DIR` is all a
 * workflow needs.
 */
export async function writeReports(report: GradeReport, outDir: string, opts: WriteOptions = {}): Promise<string[]> {
  const paths: string[] = [];
  for (const format of REPORT_FORMATS) {
    const path = join(outDir, REPORT_FILES[format]);
    const text = renderReport(report, format, { ...opts, color: false });
    await writeFileAtomic(path, text);
    if (format === 'markdown' && opts.stepSummary !== false) appendStepSummary(text);
    paths.push(path);
  }
  return paths;
}

/** GitHub keeps at most 1 MiB of summary per step. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

/**
 * Appends Markdown to $GITHUB_STEP_SUMMARY when it is set, trimmed to what still fits in the step's 1 MiB.
 * Returns whether anything was written.
 */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  let used = 0;
  try {
    used = statSync(file).size;
  } catch {
    // Not created yet: the runner makes it on first write.
  }
  const room = STEP_SUMMARY_LIMIT - used;
  const note = '\n\n_(summary cut to fit GitHub’s 1 MiB step-summary limit; see the uploaded report)_\n';
  let text = `${markdown}\n`;
  if (Buffer.byteLength(text) > room) {
    const keep = room - Buffer.byteLength(note);
    if (keep <= 0) return false;
    text =
      Buffer.from(text)
        .subarray(0, keep)
        .toString('utf8')
        .replace(/\uFFFD$/, '') + note;
  }
  appendFileSync(file, text);
  return true;
}
