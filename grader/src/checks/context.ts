// What every check gets: the rebuilt models (or why a model is missing), the seed and the backend.

import type { CheckExpectation, CheckResult, ManifestCheck, ModelSummary } from '@course/core';
import type { BackendInfo } from '@course/d2l';
import type * as tf from '@tensorflow/tfjs';
import type { TypeDiagnostic } from '../sandbox/diagnostic-text.ts';

export type { ModelSummary } from '@course/core';

export type Built =
  | { ok: true; model?: tf.LayersModel; summary: ModelSummary }
  | { ok: false; status: 'failed' | 'error'; message: string };

export interface CheckContext {
  /** The rebuilt model for a build key (already rebuilt before the check runs). */
  built(key: string): Built;
  /** The type errors of a function's file, or why it was not type-checked (refused, missing, not bundled). */
  types(target: string): { ok: true; errors: readonly TypeDiagnostic[] } | Extract<Built, { ok: false }>;
  seed: number;
  backend: BackendInfo;
  profile: 'cpu-small' | 'gpu-long';
}

export type CheckOutcome = Pick<CheckResult, 'status' | 'message'> & {
  fraction: number;
  details?: CheckResult['details'];
};

export type CheckRunner = (
  check: ManifestCheck,
  expected: CheckExpectation,
  ctx: CheckContext,
) => Promise<CheckOutcome> | CheckOutcome;

/** One case's verdict: passed, or failed/errored with a line saying why. */
export type CaseVerdict = { ok: true; line?: string } | { ok: false; status: 'failed' | 'error'; line: string };

/**
 * Combine per-case verdicts into a check outcome: the fraction of cases passed is the partial credit,
 * the message is the first problem (with how many more), and every case gets a line in the details.
 */
export function combine(
  verdicts: CaseVerdict[],
  passMessage: string,
  extra: CheckResult['details'] = {},
): CheckOutcome {
  const passed = verdicts.filter((v) => v.ok).length;
  const problems = verdicts.filter((v): v is Extract<CaseVerdict, { ok: false }> => !v.ok);
  const lines = verdicts.map((v) => (v.ok ? `ok    ${v.line ?? ''}`.trimEnd() : `FAIL  ${v.line}`));
  const details = { ...extra, lines: [...lines, ...(extra.lines ?? [])] };
  const first = problems[0];
  if (!first) return { status: 'passed', fraction: 1, message: passMessage, details };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more case${problems.length > 2 ? 's' : ''})` : '';
  // An error (the code did not run) only when nothing passed and every problem is an error.
  const status = passed === 0 && problems.every((p) => p.status === 'error') ? 'error' : 'failed';
  return { status, fraction: passed / verdicts.length, message: `${first.line}${more}`, details };
}

/** The summary (shapes, parameter rows) for a case, or the verdict explaining why it is missing. */
export function summaryOr(ctx: CheckContext, key: string, what: string): { summary: ModelSummary } | CaseVerdict {
  const b = ctx.built(key);
  if (b.ok) return { summary: b.summary };
  return { ok: false, status: b.status, line: `${what}: ${b.message}` };
}

/** The live rebuilt model for a case (blocks and the training net keep theirs), or why it is missing. */
export function modelOr(ctx: CheckContext, key: string, what: string): { model: tf.LayersModel } | CaseVerdict {
  const b = ctx.built(key);
  if (!b.ok) return { ok: false, status: b.status, line: `${what}: ${b.message}` };
  if (!b.model) return { ok: false, status: 'error', line: `${what}: the grader released this model (internal error)` };
  return { model: b.model };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export const fmtShape = (s: readonly number[]) => `[${s.join(',')}]`;
