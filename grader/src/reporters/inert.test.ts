// Student strings are inert in every report: a submission whose messages, source line and folder name are
// made of terminal escapes, carriage returns, line breaks, line separators and a right-to-left override is
// graded, every format is written, and the bytes of each file are read: nothing raw survives, each message
// stays on its own line, the forged PASS lines and total are plain text, and JSON and XML still parse.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GradeReport } from '@course/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from 'xmlbuilder2';
import { gradeSubmission } from '../grade.ts';
import { FIXTURES } from '../test-helpers.ts';
import { REPORT_FILES, renderReport, writeReports } from './index.ts';
import { inert, MAX_ECHO } from './inert.ts';

describe('inert', () => {
  it('shows control characters escaped and readable, bounds the length, and changes nothing twice', () => {
    expect(inert('a\x1b[2Kb\rc\nd\te\x07f\x9bg')).toBe('a\\u001b[2Kb\\rc\\nd\\te\\u0007f\\u009bg');
    // Line separators, bidirectional overrides and isolates, zero-width characters, the byte-order mark.
    expect(inert('\u2028\u2029\u202e\u2066\u200b\ufeff')).toBe('\\u2028\\u2029\\u202e\\u2066\\u200b\\ufeff');
    expect(inert('→ ≠ × · é 中文')).toBe('→ ≠ × · é 中文');
    const long = inert('x'.repeat(10 * MAX_ECHO));
    expect(long).toHaveLength(MAX_ECHO);
    expect(long.endsWith('…')).toBe(true);
    for (const s of ['a\x1bb\n', long]) expect(inert(inert(s))).toBe(inert(s));
  });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be in a report.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('a submission that draws on the terminal and forges its report', () => {
  const root = mkdtempSync(join(tmpdir(), 'inert-'));
  // The folder's name is the student's too (batch mode): an escape, a carriage return and a forged total
  // (with a division slash, U+2215: a file name cannot hold a /).
  const submission = join(root, 'student\x1b[31m\r\nTotal  80 \u2215 80');
  const out = join(root, 'out');
  let report: GradeReport;
  const files = new Map<string, string>();
  beforeAll(async () => {
    mkdirSync(submission);
    copyFileSync(join(FIXTURES, 'hostile-forged-report/bottleneck.ts'), join(submission, 'bottleneck.ts'));
    copyFileSync(join(FIXTURES, 'reference-scratch/preact.ts'), join(submission, 'preact.ts'));
    report = await gradeSubmission({
      submissionDir: submission,
      checks: ['bottleneck.builds', 'bottleneck.shapes', 'deep.builds', 'preact.builds'],
    });
    await writeReports(report, out, { stepSummary: false });
    for (const [format, file] of Object.entries(REPORT_FILES)) files.set(format, readFileSync(join(out, file), 'utf8'));
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('leaves no control character, line separator or bidi override in the bytes of any format', () => {
    expect([...files.keys()].sort()).toEqual(['gradescope', 'html', 'json', 'junit', 'markdown', 'text']);
    for (const [format, text] of files) {
      // Line breaks are the formats' own; none is the student's (the folder name's \n is shown as \\n).
      expect([format, RAW.exec(text)?.[0]]).toEqual([format, undefined]);
      expect(text, format).toMatch(format === 'markdown' ? /\\\\u001b\[2K/ : /\\u001b\[2K/);
    }
  });

  it('keeps each message on its own line in the text report, and the forged PASS lines and total inert', () => {
    const lines = (files.get('text') as string).split('\n');
    expect(lines.filter((l) => /^Total\b/.test(l))).toHaveLength(1);
    // Only the one check that passes has a PASS line; the forged ones are inside the message lines.
    const passing = report.checks.filter((c) => c.status === 'passed').length;
    expect(lines.filter((l) => /^\s*PASS\b/.test(l))).toHaveLength(passing);
    const message = lines.find((l) => l.includes('PASS     3/3   bottleneck() returns a symbolic tensor'));
    expect(message).toMatch(/^ {13}bottleneck\(.*\): threw \\u001b\[2K\\r\\u001b\[1A\\u001b\[2K {2}PASS/);
    expect(message).toMatch(/\\u0007 \\u202eTotal {2}80 \/ 80/);
    expect(lines[0]).toMatch(/student\\u001b\[31m\\r\\nTotal {2}80 \u2215 80$/);
    // The student's source line under the type error, its raw escapes shown escaped.
    expect(lines.some((l) => /\| const forged: number = 'not a number'; \/\/ \\u001b\[2K\\u001b\[1G/.test(l))).toBe(
      true,
    );
    expect(files.get('text')).toMatch(/no network\\u2028Total {2}80 \/ 80\\u2029\\u001b\]0;owned\\u0007/);
  });

  it('still parses as JSON and XML, with the escaped text inside', () => {
    const json = JSON.parse(files.get('json') as string) as GradeReport;
    expect(json.checks.find((c) => c.id === 'bottleneck.builds')?.message).toMatch(/: threw \\u001b\[2K\\r/);
    const gradescope = JSON.parse(files.get('gradescope') as string) as { tests: Array<{ output: string }> };
    expect(gradescope.tests.some((t) => t.output.includes('\\u001b[2K\\r'))).toBe(true);
    const xml = create(files.get('junit') as string).end({ format: 'object' }) as Record<string, unknown>;
    expect(JSON.stringify(xml)).toContain('\\\\u001b[2K\\\\r');
  });

  it('shows markup as text in Markdown and HTML', () => {
    const md = files.get('markdown') as string;
    // Backslash-escaped for Markdown: the escape's own backslash.
    expect(md).toContain('\\\\u001b[2K\\\\r');
    expect(files.get('html')).toContain('\\u001b[2K\\r');
    const markup = '![x](http://t.example/p.png) [click](https://evil.example) **PASS** <img src=x> www.evil.example';
    const forged = {
      ...report,
      checks: report.checks.map((c) => (c.id === 'bottleneck.builds' ? { ...c, message: markup } : c)),
    };
    const rendered = renderReport(forged, 'markdown');
    expect(rendered).not.toContain('](');
    expect(rendered).toContain(
      '![x]\\(http&#58;//t.example/p.png) [click]\\(https&#58;//evil.example) \\*\\*PASS\\*\\*',
    );
    expect(rendered).toContain('&lt;img src=x&gt; www&#46;evil.example');
  });
});
