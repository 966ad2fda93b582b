// `pnpm resnet summary`: one architecture's counts and shapes, as JSON or as the chapter's listing.
import { formatLayerShapes, layerShapes, type SummaryRow, summary } from '@course/d2l';
import { type ArchOptions, buildArch } from './archs.ts';
import { getPreset } from './presets.ts';

type Shape = Array<number | null>;

export interface ArchSummary {
  arch: string;
  preset: string;
  inputShape: Shape;
  outputShape: Shape;
  trainableParams: number;
  nonTrainableParams: number;
  totalParams: number;
  layers: SummaryRow[];
  /** The chapter's listing for a batch of one: stem layers, stage outputs, pool, dense. */
  listing: string;
}

/**
 * The layers the seed's loop prints: everything outside a block, plus the last layer of each
 * stage (named `stage1`… in the chapter's naming, `conv2_block3_out`… in Keras').
 */
export function isTopLevel(names: readonly string[], i: number): boolean {
  const name = names[i] ?? '';
  if (!name.includes('_block')) return true;
  const stageOf = (n: string | undefined) => n?.split('_block')[0];
  return stageOf(names[i + 1]) !== stageOf(name);
}

/** Builds the model, reads what the summary needs and frees its weights again. */
export function archSummary(arch: string, options: ArchOptions = {}): ArchSummary {
  const preset = typeof options.preset === 'object' ? options.preset : getPreset(options.preset ?? 'd2l');
  const model = buildArch(arch, { weights: 'zeros', ...options, preset });
  try {
    const s = summary(model);
    const inputShape = model.inputs[0]!.shape;
    const shapes = layerShapes(model, [1, ...(inputShape.slice(1) as number[])]);
    const names = shapes.map((r) => r.name);
    return {
      arch,
      preset: preset.name,
      inputShape,
      outputShape: model.outputs[0]!.shape,
      trainableParams: s.trainableParams,
      nonTrainableParams: s.nonTrainableParams,
      totalParams: s.totalParams,
      layers: s.rows,
      listing: formatLayerShapes(shapes.filter((_, i) => isTopLevel(names, i))),
    };
  } finally {
    model.dispose();
  }
}

const num = (n: number) => n.toLocaleString('en-US');

export function formatArchSummary(s: ArchSummary): string {
  return [
    `${s.arch} (preset ${s.preset}), input [${s.inputShape.slice(1).join(', ')}]`,
    s.listing,
    `Trainable params: ${num(s.trainableParams)}`,
    `Non-trainable params: ${num(s.nonTrainableParams)}`,
    `Total params: ${num(s.totalParams)}`,
  ].join('\n');
}

/** The JSON that docs/design.md specifies (the listing is text mode's). */
export function archSummaryJson(s: ArchSummary): Omit<ArchSummary, 'listing'> {
  const { listing: _listing, ...rest } = s;
  return rest;
}
