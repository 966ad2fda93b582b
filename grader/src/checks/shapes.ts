// Check 2: output shapes of a block over a table of cases; for networks, every stage's output shape
// and number of blocks, the stem's output and the logits.
import { blockKey, describeBlockCase, describeNetCase, netKey } from '../items.ts';
import { type CaseVerdict, type CheckRunner, combine, fmtShape, sameShape, summaryOr } from './context.ts';

function channelHint(found: readonly number[], expected: readonly number[], numChannels: number): string {
  const [fc, ec] = [found.at(-1), expected.at(-1)];
  if (fc !== ec && fc === numChannels && ec !== undefined && ec % numChannels === 0)
    return `: the block must expand to ${ec / numChannels}·numChannels channels`;
  if (fc !== ec) return `: ${fc} channels instead of ${ec}`;
  const [fh, eh] = [found[0] ?? 0, expected[0] ?? 0];
  if (fh > eh) return ': the block does not downsample by its stride';
  if (fh < eh) return ": the block shrinks the image too much (use padding 'same', and the stride once per path)";
  return '';
}

export const shapesCheck: CheckRunner = (check, expected, ctx) => {
  const fn = check.target;
  const verdicts: CaseVerdict[] = [];
  if (expected.kind === 'block-shapes') {
    for (const k of expected.cases) {
      const what = describeBlockCase(fn, k);
      const got = summaryOr(ctx, blockKey(fn, k), what);
      if (!('summary' in got)) {
        verdicts.push(got);
        continue;
      }
      const found = got.summary.shapes.output;
      verdicts.push(
        sameShape(found, k.output)
          ? { ok: true, line: `${what} → ${fmtShape(found)}` }
          : {
              ok: false,
              status: 'failed',
              line: `${what}: expected output ${fmtShape(k.output)}, found ${fmtShape(found)}${channelHint(found, k.output, Number(k.args[0]))}`,
            },
      );
    }
    return combine(verdicts, `all ${verdicts.length} output shapes match`);
  }
  if (expected.kind !== 'net-shapes')
    throw new Error(`${check.id}: a shapes check needs block-shapes or net-shapes data, got ${expected.kind}`);
  for (const k of expected.cases) {
    const what = describeNetCase(fn, k);
    const got = summaryOr(ctx, netKey(fn, k), what);
    if (!('summary' in got)) {
      verdicts.push(got);
      continue;
    }
    const s = got.summary.shapes;
    // Every part (stem, each stage, output) counts as one case, so a single wrong stage costs a fraction.
    const parts: CaseVerdict[] = [];
    parts.push(
      s.stem && sameShape(s.stem, k.stem)
        ? { ok: true, line: `${what} stem → ${fmtShape(k.stem)}` }
        : {
            ok: false,
            status: 'failed',
            line: `${what}: the stem should output ${fmtShape(k.stem)}, found ${s.stem ? fmtShape(s.stem) : 'no residual block after it'}`,
          },
    );
    k.stages.forEach((want, i) => {
      const have = s.stages[i];
      const ok = have && have.blocks === want.blocks && sameShape(have.shape, want.shape);
      parts.push(
        ok
          ? { ok: true, line: `${what} stage ${i + 1}: ${want.blocks} blocks → ${fmtShape(want.shape)}` }
          : {
              ok: false,
              status: 'failed',
              line: `${what} stage ${i + 1}: expected ${want.blocks} blocks → ${fmtShape(want.shape)}, found ${have ? `${have.blocks} block${have.blocks === 1 ? '' : 's'} → ${fmtShape(have.shape)}` : 'no such stage'}`,
            },
      );
    });
    if (s.stages.length > k.stages.length) {
      const extra = s.stages.slice(k.stages.length).map((x) => `${x.blocks}×${fmtShape(x.shape)}`);
      parts.push({
        ok: false,
        status: 'failed',
        line: `${what}: ${s.stages.length} stages instead of ${k.stages.length} (extra: ${extra.join(', ')})`,
      });
    }
    parts.push(
      sameShape(s.output, k.output)
        ? { ok: true, line: `${what} output → ${fmtShape(k.output)}` }
        : {
            ok: false,
            status: 'failed',
            line: `${what}: expected logits ${fmtShape(k.output)}, found ${fmtShape(s.output)}`,
          },
    );
    verdicts.push(...parts);
  }
  return combine(verdicts, 'every stage has the expected blocks and output shape');
};
