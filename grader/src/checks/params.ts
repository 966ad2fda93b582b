// Check 3: trainable and total parameter counts against the reference under each accepted convention.
// The report names the convention matched, or the difference and the first layer where counts part.
import type { z } from 'zod';
import { type ParamRow, paramTotals } from '../analysis/graph.ts';
import type { BlockParams } from '../expected.ts';
import { blockKey, describeBlockCase, describeNetCase, netKey } from '../items.ts';
import { type CaseVerdict, type CheckRunner, combine, summaryOr } from './context.ts';

type Conventions = z.infer<typeof BlockParams>['cases'][number]['conventions'];

const n = (v: number) => v.toLocaleString('en-US');

/** Compare a model's parameter rows with the conventions; on a mismatch, name the closest one and the first differing layer. */
export function compareParams(
  rows: readonly ParamRow[],
  conventions: Conventions,
  what: string,
): CaseVerdict & { convention?: string } {
  const got = paramTotals(rows);
  const match = conventions.find((c) => c.trainable === got.trainable && c.total === got.total);
  if (match)
    return {
      ok: true,
      line: `${what}: ${n(got.trainable)} trainable / ${n(got.total)} total (${match.name})`,
      convention: match.name,
    };
  // The convention the student follows longest (e.g. conv bias on) explains the difference best.
  const firstDiff = (c: Conventions[number]) => {
    const i = c.rows.findIndex(
      ([kind, t, total], j) => rows[j]?.kind !== kind || rows[j]?.trainable !== t || rows[j]?.total !== total,
    );
    return i < 0 ? c.rows.length : i;
  };
  const closest = [...conventions].sort(
    (a, b) => firstDiff(b) - firstDiff(a) || Math.abs(a.total - got.total) - Math.abs(b.total - got.total),
  )[0];
  if (!closest) return { ok: false, status: 'failed', line: `${what}: no reference counts to compare with` };
  const i = firstDiff(closest) === closest.rows.length ? -1 : firstDiff(closest);
  const at = i < 0 ? Math.min(rows.length, closest.rows.length) : i;
  const mine = rows[at];
  const ref = closest.rows[at];
  const where = mine
    ? `first difference at weighted layer #${at + 1} '${mine.name}' (${mine.kind}, ${n(mine.total)} params)${ref ? `, reference has ${ref[0]} with ${n(ref[2])}` : ', which the reference does not have'}`
    : ref
      ? `the reference has more layers, from #${at + 1} (${ref[0]}, ${n(ref[2])} params)`
      : 'same layers, different counts';
  return {
    ok: false,
    status: 'failed',
    line: `${what}: ${n(got.trainable)} trainable / ${n(got.total)} total, reference (${closest.name}) ${n(closest.trainable)} / ${n(closest.total)}: ${where}`,
  };
}

export const paramsCheck: CheckRunner = (check, expected, ctx) => {
  const fn = check.target;
  const cases =
    expected.kind === 'block-params'
      ? expected.cases.map((k) => ({
          what: describeBlockCase(fn, k),
          key: blockKey(fn, k),
          conventions: k.conventions,
        }))
      : expected.kind === 'net-params'
        ? expected.cases.map((k) => ({ what: describeNetCase(fn, k), key: netKey(fn, k), conventions: k.conventions }))
        : undefined;
  if (!cases)
    throw new Error(`${check.id}: a params check needs block-params or net-params data, got ${expected.kind}`);
  const matched = new Set<string>();
  const verdicts = cases.map(({ what, key, conventions }) => {
    const got = summaryOr(ctx, key, what);
    if (!('summary' in got)) return got;
    const v = compareParams(got.summary.rows, conventions, what);
    if (v.convention) matched.add(v.convention);
    return v;
  });
  const convention = [...matched].join('; ') || undefined;
  return combine(
    verdicts,
    `parameter counts match the reference${convention ? ` (${convention})` : ''}`,
    convention ? { convention } : {},
  );
};
