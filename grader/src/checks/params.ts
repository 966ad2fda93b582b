// Check 3: parameter counts in canonical form (@course/core, analysis/canonical.ts: a convolution's bias and a BN on the
// projection shortcut are conventions, not counted) against the reference's. The report gives the model's
// own trainable and total counts and names the conventions; on a mismatch, the first layer where counts part.

import type { BlockParams } from '@course/core';
import { type Conventions, describeConventions, type ModelSummary, paramTotals } from '@course/core';
import type { z } from 'zod';
import { blockKey, describeBlockCase, describeNetCase, netKey } from '../items.ts';
import { type CaseVerdict, type CheckRunner, combine, summaryOr } from './context.ts';

type Reference = z.infer<typeof BlockParams>['cases'][number]['reference'];

const n = (v: number) => v.toLocaleString('en-US');

/** Sum the conventions seen over several models (one description for a whole check). */
export function mergeConventions(list: readonly Conventions[]): Conventions | undefined {
  const [first, ...rest] = list;
  if (!first) return undefined;
  const merged = structuredClone(first) as unknown as Record<string, Record<string, number>>;
  for (const c of rest as unknown as Array<Record<string, Record<string, number>>>)
    for (const [group, counts] of Object.entries(c))
      for (const [key, v] of Object.entries(counts)) {
        const into = merged[group] ?? {};
        into[key] = (into[key] ?? 0) + v;
        merged[group] = into;
      }
  return merged as unknown as Conventions;
}

/** Compare a model's canonical parameter rows with the reference's; on a mismatch, the first differing layer. */
export function compareParams(summary: ModelSummary, reference: Reference, what: string): CaseVerdict {
  const { rows, counts } = summary;
  const got = paramTotals(rows);
  const own = `${n(counts.trainable)} trainable / ${n(counts.total)} total`;
  if (got.trainable === reference.trainable && got.total === reference.total)
    return { ok: true, line: `${what}: ${own} (${describeConventions(summary.conventions)})` };
  let at = reference.rows.findIndex(
    ([kind, t, total], j) => rows[j]?.kind !== kind || rows[j]?.trainable !== t || rows[j]?.total !== total,
  );
  if (at < 0) at = reference.rows.length;
  const mine = rows[at];
  const ref = reference.rows[at];
  const where = mine
    ? `first difference at weighted layer #${at + 1} '${mine.name}' (${mine.kind}, ${n(mine.total)} params)${ref ? `, reference has ${ref[0]} with ${n(ref[2])}` : ', which the reference does not have'}`
    : ref
      ? `the reference has more layers, from #${at + 1} (${ref[0]}, ${n(ref[2])} params)`
      : 'same layers, different counts';
  // The reference as the student would have written it: its counts plus its conv biases and projection
  // BNs when the student has them throughout; with a mix, the canonical counts side by side.
  const c = summary.conventions;
  const all = (on: number, off: number) => (off === 0 && on > 0 ? 'all' : on === 0 ? 'none' : 'some');
  const bias = all(c.convBias.on, c.convBias.off);
  const bn = all(c.projectionBn.with, c.projectionBn.without);
  const add = (x: { trainable: number; total: number }, on: boolean) => (on ? x : { trainable: 0, total: 0 });
  let compared: string;
  if (bias === 'some' || bn === 'some')
    compared = `; not counting conv bias or a projection's BN (conventions, not differences): ${n(got.trainable)} / ${n(got.total)}, reference ${n(reference.trainable)} / ${n(reference.total)}`;
  else {
    const extra = [add(reference.convBias, bias === 'all'), add(reference.projectionBn, bn === 'all')];
    const t = extra.reduce((s, x) => s + x.trainable, reference.trainable);
    const total = extra.reduce((s, x) => s + x.total, reference.total);
    compared = `, reference ${n(t)} / ${n(total)} with your conventions (${describeConventions(c)})`;
  }
  const perLayer = c.convBias.on > 0 ? ' (conv bias left out of the per-layer counts)' : '';
  return { ok: false, status: 'failed', line: `${what}: ${own}${compared}: ${where}${perLayer}` };
}

export const paramsCheck: CheckRunner = (check, expected, ctx) => {
  const fn = check.target;
  const cases =
    expected.kind === 'block-params'
      ? expected.cases.map((k) => ({ what: describeBlockCase(fn, k), key: blockKey(fn, k), reference: k.reference }))
      : expected.kind === 'net-params'
        ? expected.cases.map((k) => ({ what: describeNetCase(fn, k), key: netKey(fn, k), reference: k.reference }))
        : undefined;
  if (!cases)
    throw new Error(`${check.id}: a params check needs block-params or net-params data, got ${expected.kind}`);
  const matched: Conventions[] = [];
  const verdicts = cases.map(({ what, key, reference }) => {
    const got = summaryOr(ctx, key, what);
    if (!('summary' in got)) return got;
    const v = compareParams(got.summary, reference, what);
    if (v.ok) matched.push(got.summary.conventions);
    return v;
  });
  const merged = mergeConventions(matched);
  const convention = merged ? describeConventions(merged) : undefined;
  return combine(
    verdicts,
    `parameter counts match the reference${convention ? ` (${convention})` : ''}`,
    convention ? { convention } : {},
  );
};
