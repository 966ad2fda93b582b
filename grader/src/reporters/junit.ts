// JUnit XML for CI systems that read test reports: a testsuite per task, a testcase per check.

import type { CheckResult, GradeReport } from '@course/core';
import { create } from 'xmlbuilder2';
import { visibilityNote } from './audience.ts';
import { TYPE_ERRORS_TITLE, typeErrorText } from './view.ts';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function count(checks: CheckResult[], status: CheckResult['status']): number {
  return checks.filter((check) => check.status === status).length;
}

function body(check: CheckResult): string {
  const lines = [...(check.details?.lines ?? [])];
  for (const branch of check.details?.branches ?? []) {
    lines.push(
      `${branch.block}`,
      `  expected: ${branch.expected.join(' → ')}`,
      `  found:    ${branch.found.join(' → ')}`,
    );
  }
  return lines.length > 0 ? `${check.message}\n${lines.join('\n')}` : check.message;
}

export function renderJunit(report: GradeReport): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: `${report.assignment} (score ${report.score}/${report.maxScore})`,
    tests: report.checks.length,
    failures: count(report.checks, 'failed'),
    errors: count(report.checks, 'error'),
    skipped: count(report.checks, 'skipped'),
    time: seconds(report.durationMs),
  });
  const taskIds = [...new Set([...report.tasks.map((task) => task.id), ...report.checks.map((check) => check.task)])];
  for (const taskId of taskIds) {
    const task = report.tasks.find((t) => t.id === taskId);
    const checks = report.checks.filter((check) => check.task === taskId);
    if (checks.length === 0) continue;
    const suite = root.ele('testsuite', {
      name: task ? `Exercise ${task.exercise}: ${task.title}` : taskId,
      id: taskId,
      tests: checks.length,
      failures: count(checks, 'failed'),
      errors: count(checks, 'error'),
      skipped: count(checks, 'skipped'),
      time: seconds(checks.reduce((total, check) => total + check.durationMs, 0)),
    });
    suite
      .ele('properties')
      .ele('property', { name: 'score', value: String(task?.score ?? '') })
      .up()
      .ele('property', { name: 'maxScore', value: String(task?.maxScore ?? '') });
    for (const check of checks) {
      const testcase = suite.ele('testcase', {
        classname: taskId,
        name: `${check.title} [${check.id}]`,
        time: seconds(check.durationMs),
      });
      const note = visibilityNote(check.visibility);
      if (check.status === 'failed')
        testcase.ele('failure', { message: check.message, type: 'CheckFailed' }).txt(body(check));
      if (check.status === 'error')
        testcase.ele('error', { message: check.message, type: 'CheckError' }).txt(body(check));
      if (check.status === 'skipped') testcase.ele('skipped', { message: check.message });
      testcase.ele('system-out').txt(`score ${check.score}/${check.maxScore}${note ? ` (${note})` : ''}`);
    }
  }
  // Listed once, as a suite without tests: a type error is not a check (manifest type-check checks are).
  const types = typeErrorText(report);
  if (types.length > 0)
    root
      .ele('testsuite', { name: TYPE_ERRORS_TITLE, id: 'type-errors', tests: 0, failures: 0, errors: 0, skipped: 0 })
      .ele('system-out')
      .txt(types.join('\n'));
  return root.end({ prettyPrint: true });
}
