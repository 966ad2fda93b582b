// Check 4: layer kinds, read from the rebuilt graph's canonical form (@course/core's analysis/canonical.ts), against the
// reference's: for a block its residual branch, shortcut and what follows the addition; for a network its
// stem, every block and its head. Expected and found side by side; the conventions matched are named.

import type { BranchComparison } from '@course/core';
import { type BlockSignature, type Conventions, canonicalize, describeConventions, readBlock } from '@course/core';
import { blockKey, describeBlockCase, describeNetCase, netKey } from '../items.ts';
import { type CaseVerdict, type CheckRunner, combine, modelOr, summaryOr } from './context.ts';
import { mergeConventions } from './params.ts';

const show = (kinds: readonly string[]) => (kinds.length ? kinds.join(' → ') : '(nothing)');
const same = (a: readonly string[], b: readonly string[]) => a.join(' ') === b.join(' ');

/** Say what is wrong in words a student can act on. */
function diagnose(part: string, expected: readonly string[], found: readonly string[]): string {
  const missing = expected.filter((k) => !found.includes(k));
  const extra = found.filter((k) => !expected.includes(k));
  if (part === 'after the addition' && found.length > expected.length)
    return `found ${show(found)} after the addition, expected ${show(expected)}`;
  if (part === 'after the addition') return `expected ${show(expected)} after the addition, found ${show(found)}`;
  const count = (list: readonly string[], k: string) => list.filter((x) => x === k).length;
  const fewer = [...new Set(expected)].filter((k) => count(found, k) < count(expected, k));
  const more = [...new Set(found)].filter((k) => count(found, k) > count(expected, k));
  // One layer of another kind in its place (a max-pool for the average pool): say so.
  const swapped = expected.length === found.length ? expected.flatMap((k, i) => (found[i] === k ? [] : [i])) : [];
  const at = swapped.length === 1 ? (swapped[0] as number) : -1;
  const why =
    at >= 0
      ? `${found[at]} instead of ${expected[at]}`
      : missing.length
        ? `missing ${missing.join(', ')}`
        : fewer.length
          ? `too few ${fewer.join(', ')}`
          : extra.length || more.length
            ? `unexpected ${[...new Set([...extra, ...more])].join(', ')}`
            : 'layers in the wrong order';
  return `${part}: ${why}; expected ${show(expected)}, found ${show(found)}`;
}

/** Compare one block's parts; push each part for display, return the problems. */
function compareBlock(
  label: string,
  want: BlockSignature,
  found: BlockSignature,
  branches: BranchComparison[] | undefined,
): string[] {
  const parts: Array<[string, string[], string[]]> = [
    ['branch', want.branch, found.branch],
    ['shortcut', want.shortcut, found.shortcut],
    ['after the addition', want.after, found.after],
  ];
  const problems: string[] = [];
  for (const [part, expected, kinds] of parts) {
    branches?.push({ block: `${label} ${part}`, expected, found: kinds });
    if (!same(expected, kinds)) problems.push(diagnose(part, expected, kinds));
  }
  return problems;
}

const withConvention = (conventions: Conventions[]) => {
  const merged = mergeConventions(conventions);
  const convention = merged && describeConventions(merged);
  return convention ? { convention } : {};
};

export const structureCheck: CheckRunner = (check, expected, ctx) => {
  const fn = check.target;
  const branches: BranchComparison[] = [];
  const matched: Conventions[] = [];
  if (expected.kind === 'block-structure') {
    const verdicts: CaseVerdict[] = expected.cases.map((k) => {
      const what = describeBlockCase(fn, k);
      const built = ctx.built(blockKey(fn, k));
      const got = modelOr(ctx, blockKey(fn, k), what);
      if (!('model' in got)) return got;
      const g = canonicalize(got.model);
      // The rebuilt model is flat: the nested models the student applied are known from its summary only.
      if (built.ok) g.conventions.nested = built.summary.conventions.nested;
      const found = readBlock(g);
      if ('error' in found) return { ok: false, status: 'failed', line: `${what}: ${found.error}` };
      const problems = compareBlock(what, k, found, branches);
      if (problems.length) return { ok: false, status: 'failed', line: `${what}: ${problems.join('; ')}` };
      matched.push(g.conventions);
      return {
        ok: true,
        line: `${what}: ${show(found.branch)} + ${found.shortcut.length ? show(found.shortcut) : 'identity'}`,
      };
    });
    return combine(verdicts, 'the residual branches have the expected layers in the expected order', {
      branches,
      ...withConvention(matched),
    });
  }
  if (expected.kind !== 'net-structure')
    throw new Error(`${check.id}: a structure check needs block-structure or net-structure data, got ${expected.kind}`);
  // Each network counts as three parts (stem, blocks, head): a wrong head costs a third, not the lot.
  const verdicts: CaseVerdict[] = expected.cases.flatMap((k): CaseVerdict[] => {
    const what = describeNetCase(fn, k);
    const got = summaryOr(ctx, netKey(fn, k), what);
    if (!('summary' in got)) return [got, got, got];
    const layout = got.summary.layout;
    const broken =
      'error' in layout
        ? layout.error
        : layout.blocks.length === 0
          ? 'found no residual block (no tf.layers.add) in the network'
          : undefined;
    if (broken || 'error' in layout) {
      const v: CaseVerdict = { ok: false, status: 'failed', line: `${what}: ${broken}` };
      return [v, v, v];
    }
    const part = (name: string, want: string[], found: string[]): CaseVerdict => {
      branches.push({ block: `${what} ${name}`, expected: want, found });
      return same(want, found)
        ? { ok: true, line: `${what} ${name}: ${show(found)}` }
        : { ok: false, status: 'failed', line: `${what} ${diagnose(name, want, found)}` };
    };
    const stem = part('stem', k.stem, layout.stem);
    const wantBlocks = k.blocks.flatMap(({ count, ...sig }) => Array.from({ length: count }, () => sig));
    let blocks: CaseVerdict = { ok: true, line: `${what}: ${wantBlocks.length} residual blocks as expected` };
    if (layout.blocks.length !== wantBlocks.length)
      blocks = {
        ok: false,
        status: 'failed',
        line: `${what}: ${layout.blocks.length} residual blocks instead of ${wantBlocks.length}`,
      };
    else
      for (const [i, want] of wantBlocks.entries()) {
        const found = layout.blocks[i] as BlockSignature;
        const problems = compareBlock(`${what} block ${i + 1}`, want, found, undefined);
        if (problems.length) {
          compareBlock(`${what} block ${i + 1}`, want, found, branches);
          blocks = { ok: false, status: 'failed', line: `${what} block ${i + 1}: ${problems.join('; ')}` };
          break;
        }
      }
    const head = part('head', k.head, layout.head);
    if (stem.ok && blocks.ok && head.ok) matched.push(got.summary.conventions);
    return [stem, blocks, head];
  });
  return combine(verdicts, 'the stem, every residual block and the head have the expected layers in order', {
    branches,
    ...withConvention(matched),
  });
};
