// What the checks read from a rebuilt model, all of it from its canonical form (canonical.ts): a block's
// branch, shortcut and what follows its addition; a network's stem, blocks and head; stage shapes;
// parameter rows. Everything here looks at the grader's own rebuilt model, never at anything the child reported.
import type * as tf from '@tensorflow/tfjs';
import {
  type CanonicalGraph,
  type Conventions,
  canonicalize,
  canonicalRows,
  kindsOf,
  modelCounts,
  type ParamRow,
} from './canonical.ts';

export { type ParamRow, paramTotals } from './canonical.ts';

export interface BlockBranches {
  branch: string[];
  shortcut: string[];
  /** Layers from the addition to the model output (a standalone block model). */
  after: string[];
  /** Names of the branch's layers with weights, first to last (for zeroing its last one). */
  branchLayers: string[];
}

/**
 * Read the residual branch, the shortcut and what follows the addition of a standalone block model
 * (tf.model(input → block → output)). The longer path from the fork to the addition is the branch; what
 * lies between the input and the fork belongs to both (unless it is a pre-activation's shared BN → ReLU).
 */
export function readBlock(g: CanonicalGraph): BlockBranches | { error: string } {
  const adds = g.nodes.filter((n) => n.op === 'Add').length;
  if (adds > 1)
    return {
      error: `found ${adds} additions in one block; a residual block adds its branch to its shortcut once`,
    };
  const sig = asBlock(netLayout(g));
  const s = g.segments;
  if ('error' in sig) return sig;
  if ('error' in s) return { error: s.error };
  const branch = [...s.stem, ...(s.blocks[0]?.branch ?? [])];
  return {
    ...sig,
    branchLayers: branch.map((i) => g.nodes[i]).flatMap((n) => (n && n.trainable > 0 ? [n.layer] : [])),
  };
}

/** A standalone block model's layout as one block: the stem on both paths, the head after the addition. */
export function asBlock(layout: NetLayout | { error: string }): BlockSignature | { error: string } {
  if ('error' in layout) return layout;
  const [block, ...more] = layout.blocks;
  if (!block) return { error: 'found no addition (tf.layers.add): the block has no shortcut' };
  if (more.length)
    return {
      error: `found ${more.length + 1} additions in one block; a residual block adds its branch to its shortcut once`,
    };
  return {
    branch: [...layout.stem, ...block.branch],
    shortcut: [...layout.stem, ...block.shortcut],
    after: [...block.after, ...layout.head],
  };
}

export interface BlockSignature {
  branch: string[];
  shortcut: string[];
  after: string[];
}

/** A network's layout by layer kind: stem, every residual block (with its output shape), head. */
export interface NetLayout {
  stem: string[];
  blocks: Array<BlockSignature & { shape: number[] }>;
  head: string[];
}

export function netLayout(g: CanonicalGraph): NetLayout | { error: string } {
  const s = g.segments;
  if ('error' in s) return s;
  return {
    stem: kindsOf(g, s.stem),
    blocks: s.blocks.map((b) => ({
      branch: kindsOf(g, b.branch),
      shortcut: kindsOf(g, b.shortcut),
      after: kindsOf(g, b.after),
      shape: g.nodes[b.after.at(-1) ?? b.add]?.shape ?? [],
    })),
    head: kindsOf(g, s.head),
  };
}

export interface StageShapes {
  /** Output shape (without batch) of the stem, the tensor the first block reads. */
  stem: number[] | null;
  stages: Array<{ blocks: number; shape: number[] }>;
  output: number[];
}

/** The network's stem output, its stages (consecutive blocks with one output shape) and its output shape. */
export function stageShapes(g: CanonicalGraph): StageShapes {
  const s = g.segments;
  const blockShapes =
    'error' in s
      ? g.nodes.filter((n) => n.op === 'Add').map((n) => n.shape)
      : s.blocks.map((b) => g.nodes[b.after.at(-1) ?? b.add]?.shape ?? []);
  const stages: StageShapes['stages'] = [];
  for (const shape of blockShapes) {
    const last = stages.at(-1);
    if (last && last.shape.join() === shape.join()) last.blocks++;
    else stages.push({ blocks: 1, shape });
  }
  const stem = 'error' in s || s.blocks.length === 0 ? null : (g.nodes[s.stem.at(-1) ?? g.input]?.shape ?? null);
  return { stem, stages, output: g.nodes[g.output]?.shape ?? [] };
}

/** What the checks read from a rebuilt model; networks keep only this (their weights are freed at once). */
export interface ModelSummary {
  shapes: StageShapes;
  /** Canonical parameter rows: a convolution's bias and a projection's BN left out. */
  rows: ParamRow[];
  /** The model's own counts. */
  counts: { trainable: number; total: number };
  conventions: Conventions;
  /** What conv bias on every convolution and a BN on every projection would add (canonical.ts). */
  optional: CanonicalGraph['optional'];
  layout: NetLayout | { error: string };
}

/** `nested`: the models the student applied as layers, which the rebuilt (flat) model no longer shows. */
export function summarize(model: tf.LayersModel, nested?: Conventions['nested']): ModelSummary {
  const g = canonicalize(model);
  if (nested) g.conventions.nested = { ...nested };
  return {
    shapes: stageShapes(g),
    rows: canonicalRows(g),
    counts: modelCounts(model),
    conventions: g.conventions,
    optional: g.optional,
    layout: netLayout(g),
  };
}
