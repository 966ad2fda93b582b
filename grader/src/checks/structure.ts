// Check 4: the sequence of layer kinds on each residual branch, read from the rebuilt graph, against the
// expected patterns (every accepted stride position / shortcut input); expected and found side by side.
import { readBlock } from '../analysis/graph.ts';
import { blockKey, describeBlockCase } from '../items.ts';
import type { BranchComparison } from '../report-schema.ts';
import { type CaseVerdict, type CheckRunner, combine, modelOr } from './context.ts';

const show = (kinds: readonly string[]) => (kinds.length ? kinds.join(' → ') : '(nothing)');
const same = (a: readonly string[], b: readonly string[]) => a.join(' ') === b.join(' ');

/** The expected alternative closest to what was found (most leading kinds in common), for display. */
function closest(alternatives: readonly string[][], found: readonly string[]): string[] {
  const prefix = (a: readonly string[]) => {
    let i = 0;
    while (i < a.length && a[i] === found[i]) i++;
    return i;
  };
  return [
    ...(alternatives.find((a) => same(a, found)) ?? [...alternatives].sort((x, y) => prefix(y) - prefix(x))[0] ?? []),
  ];
}

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
  const why = missing.length
    ? `missing ${missing.join(', ')}`
    : fewer.length
      ? `too few ${fewer.join(', ')}`
      : extra.length || more.length
        ? `unexpected ${[...new Set([...extra, ...more])].join(', ')}`
        : 'layers in the wrong order';
  return `${part}: ${why}; expected ${show(expected)}, found ${show(found)}`;
}

export const structureCheck: CheckRunner = (check, expected, ctx) => {
  if (expected.kind !== 'block-structure')
    throw new Error(`${check.id}: a structure check needs block-structure data, got ${expected.kind}`);
  const fn = check.target;
  const branches: BranchComparison[] = [];
  const verdicts: CaseVerdict[] = expected.cases.map((k) => {
    const what = describeBlockCase(fn, k);
    const got = modelOr(ctx, blockKey(fn, k), what);
    if (!('model' in got)) return got;
    const found = readBlock(got.model);
    if ('error' in found) return { ok: false, status: 'failed', line: `${what}: ${found.error}` };
    const parts: Array<[string, string[][], string[]]> = [
      ['branch', k.branch, found.branch],
      ['shortcut', k.shortcut, found.shortcut],
      ['after the addition', k.after, found.after],
    ];
    const problems: string[] = [];
    for (const [part, alternatives, kinds] of parts) {
      const want = closest(alternatives, kinds);
      branches.push({ block: `${what} ${part}`, expected: want, found: kinds });
      if (!alternatives.some((a) => same(a, kinds))) problems.push(diagnose(part, want, kinds));
    }
    return problems.length
      ? { ok: false, status: 'failed', line: `${what}: ${problems.join('; ')}` }
      : {
          ok: true,
          line: `${what}: ${show(found.branch)} + ${show(found.shortcut) === '(nothing)' ? 'identity' : show(found.shortcut)}`,
        };
  });
  return combine(verdicts, 'the residual branches have the expected layers in the expected order', { branches });
};
