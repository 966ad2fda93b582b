// Check 1: each exported function returns a symbolic tensor / a model for the listed configurations.
import { blockKey, describeBlockCase, describeNetCase, netKey } from '../items.ts';
import { type CaseVerdict, type CheckRunner, combine, summaryOr } from './context.ts';

export const buildsCheck: CheckRunner = (check, expected, ctx) => {
  const fn = check.target;
  let verdicts: CaseVerdict[];
  if (expected.kind === 'block-builds') {
    verdicts = expected.cases.map((k) => {
      const what = describeBlockCase(fn, k);
      const got = summaryOr(ctx, blockKey(fn, k), what);
      return 'summary' in got ? { ok: true, line: what } : got;
    });
  } else if (expected.kind === 'net-builds') {
    verdicts = expected.cases.map((k) => {
      const what = describeNetCase(fn, k);
      const got = summaryOr(ctx, netKey(fn, k), what);
      return 'summary' in got ? { ok: true, line: what } : got;
    });
  } else throw new Error(`${check.id}: a builds check needs block-builds or net-builds data, got ${expected.kind}`);
  return combine(verdicts, `${fn} built all ${verdicts.length} configurations`);
};
