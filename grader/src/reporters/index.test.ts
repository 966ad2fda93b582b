import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GradeReport } from '@course/core';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { forAudience } from './audience.ts';
import { GradescopeResults } from './gradescope.ts';
import { appendStepSummary, REPORT_FORMATS, renderReport, STEP_SUMMARY_LIMIT, writeReports } from './index.ts';
import { sampleReport } from './sample-report.ts';

interface TestCase {
  name: string;
  failure?: { message: string };
  error?: { message: string };
}

const report = sampleReport();
const hidden = report.checks.filter((c) => c.visibility === 'hidden');
const visible = report.checks.filter((c) => c.visibility !== 'hidden');

describe('audience', () => {
  it('takes hidden checks and their points out of a student report', () => {
    const student = forAudience(report, 'student');
    expect(student.checks.map((c) => c.id)).toEqual(visible.map((c) => c.id));
    expect(student.score).toBe(report.score - 2);
    expect(student.maxScore).toBe(report.maxScore - 2);
    expect(student.tasks.find((t) => t.id === 'ex4-preact')).toMatchObject({ score: 0, maxScore: 3 });
    expect(student.hiddenIncluded).toBe(false);
    expect(forAudience(student)).toBe(student);
    expect(forAudience(report, 'instructor')).toBe(report);
  });
});

describe('renderReport', () => {
  it('json parses against the GradeReport schema and follows the audience', () => {
    const instructor = GradeReport.parse(JSON.parse(renderReport(report, 'json')));
    expect(instructor.checks).toHaveLength(report.checks.length);
    const student = GradeReport.parse(JSON.parse(renderReport(report, 'json', { audience: 'student' })));
    expect(student.checks.map((c) => c.visibility)).not.toContain('hidden');
  });

  it('gradescope parses against its schema, with hidden checks as after_published', () => {
    const results = GradescopeResults.parse(JSON.parse(renderReport(report, 'gradescope', { audience: 'student' })));
    expect(results.score).toBe(report.score);
    expect(results.tests).toHaveLength(report.checks.length);
    const secret = results.tests.find((t) => t.tags.includes('preact.hidden-sizes'));
    expect(secret?.visibility).toBe('after_published');
    expect(results.tests.find((t) => t.tags.includes('preact.params'))).toMatchObject({
      status: 'failed',
      number: '4.1',
    });
    expect(results.execution_time).toBeCloseTo(1.2);
  });

  it('junit parses as XML with a testsuite per task and failures with their messages', () => {
    const xml = renderReport(report, 'junit', { audience: 'student' });
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suites = [doc.testsuites.testsuite].flat();
    expect(suites.map((s: { id: string }) => s.id)).toEqual(['ex3-bottleneck', 'ex4-preact']);
    const cases = suites.flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as TestCase[];
    expect(cases).toHaveLength(visible.length);
    const failed = cases.find((c) => String(c.name).includes('bottleneck.branch'));
    expect(failed?.failure?.message).toBe(visible[1]?.message);
    expect(cases.find((c) => String(c.name).includes('preact.params'))?.error).toBeDefined();
    expect(Number(doc.testsuites.failures)).toBe(1);
    expect(xml).not.toContain('HIDDEN-CHECK-MESSAGE');
  });

  it('markdown has a row per visible check and the expected-vs-found table', () => {
    const md = renderReport(report, 'markdown', { audience: 'student' });
    for (const check of visible) expect(md).toContain(check.id);
    expect(md).not.toContain('HIDDEN-CHECK-MESSAGE');
    expect(md).toContain('Block 1 is missing the last BatchNormalization \\| add it');
    expect(md).toMatch(/\| 2 ⚠️ \| BatchNormalization \| ReLU \|/);
    expect(md).toContain('shown to students after the due date');
  });

  it('html is self-contained, escapes report text, shows branches and curves, hides hidden checks', () => {
    const html = renderReport(report, 'html', { audience: 'student' });
    for (const check of visible) expect(html).toContain(`id="check-${check.id}"`);
    expect(html).not.toContain('HIDDEN-CHECK-MESSAGE');
    expect(html).toContain('&lt;the chapter&gt; &amp; &quot;torchvision&quot;');
    expect(html).toContain('<polyline');
    expect(html).toMatch(/<tr class="differs"><td>2<\/td><td>BatchNormalization<\/td><td>ReLU<\/td><\/tr>/);
    expect(html).not.toMatch(/<(script|link)\b|src="http/);
    const instructor = renderReport(report, 'html');
    expect(instructor).toContain('HIDDEN-CHECK-MESSAGE');
  });

  it('text falls back or delegates, and lists every visible check', () => {
    const text = renderReport(report, 'text', { audience: 'student' });
    for (const check of visible) expect(text).toContain(check.title);
    for (const check of hidden) expect(text).not.toContain(check.title);
  });
});

describe('writeReports', () => {
  it('writes one file per format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reports-'));
    const paths = await writeReports(report, dir, { audience: 'student' });
    expect(paths.map((p) => p.slice(dir.length + 1)).sort()).toEqual(
      ['junit.xml', 'report.html', 'report.json', 'report.md', 'report.txt', 'results.json'].sort(),
    );
    expect(paths).toHaveLength(REPORT_FORMATS.length);
    expect(GradeReport.parse(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).checks).toHaveLength(
      visible.length,
    );
  });
});

describe('appendStepSummary', () => {
  it('appends when GITHUB_STEP_SUMMARY is set and never passes 1 MiB', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'summary-')), 'step.md');
    expect(appendStepSummary('# hi', {})).toBe(false);
    writeFileSync(file, 'before\n');
    expect(appendStepSummary('# hi', { GITHUB_STEP_SUMMARY: file })).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('before\n# hi\n');
    expect(appendStepSummary('é'.repeat(STEP_SUMMARY_LIMIT), { GITHUB_STEP_SUMMARY: file })).toBe(true);
    const text = readFileSync(file);
    expect(text.length).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT);
    expect(text.toString('utf8')).toContain('1 MiB');
    expect(text.toString('utf8')).not.toContain('\uFFFD');
  });

  it('is what writeReports does with report.md inside a GitHub Actions step, unless told not to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summary-'));
    const file = join(dir, 'step.md');
    const saved = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      await writeReports(report, join(dir, 'a'), { audience: 'student' });
      expect(readFileSync(file, 'utf8')).toBe(`${readFileSync(join(dir, 'a', 'report.md'), 'utf8')}\n`);
      await writeReports(report, join(dir, 'b'), { stepSummary: false });
      expect(readFileSync(file, 'utf8')).not.toContain('HIDDEN-CHECK-MESSAGE');
    } finally {
      if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = saved;
    }
  });
});
