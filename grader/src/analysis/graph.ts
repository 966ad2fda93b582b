// Read a rebuilt model's functional graph: layer kinds, residual branches, stage shapes, parameter rows.
// Everything here looks at the grader's own rebuilt model, never at anything the child reported.
import type * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

function config(layer: Layer): Record<string, unknown> {
  return layer.getConfig() as Record<string, unknown>;
}

function pair(v: unknown): number {
  return Array.isArray(v) ? Number(v[0]) : Number(v ?? 1);
}

/** A short, display-ready kind: Conv3x3/2, BN, ReLU, Add, MaxPool3x3/2, ... */
export function kindOf(layer: Layer): string {
  const c = config(layer);
  const stride = (s: number) => (s > 1 ? `/${s}` : '');
  switch (layer.getClassName()) {
    case 'Conv2D': {
      const k = pair(c.kernelSize);
      return `Conv${k}x${k}${stride(pair(c.strides))}`;
    }
    case 'BatchNormalization':
      return 'BN';
    case 'ReLU':
      return 'ReLU';
    case 'Activation':
      return c.activation === 'relu' ? 'ReLU' : String(c.activation);
    case 'MaxPooling2D':
      return `MaxPool${pair(c.poolSize)}x${pair(c.poolSize)}${stride(pair(c.strides))}`;
    default:
      return layer.getClassName();
  }
}

export function inboundLayers(layer: Layer): Layer[] {
  return (layer.inboundNodes[0]?.inboundLayers ?? []) as Layer[];
}

/** Number of layers that consume this layer's output. */
export function consumers(layer: Layer): number {
  return layer.outboundNodes.length;
}

export function addLayers(model: tf.LayersModel): Layer[] {
  return model.layers.filter((l) => l.getClassName() === 'Add');
}

/** The chain of single-input layers from `start` back to (not including) the first layer where `stop` holds. */
function chainBack(start: Layer, stop: (l: Layer) => boolean): { path: Layer[]; from: Layer } {
  const path: Layer[] = [];
  let cur = start;
  while (!stop(cur)) {
    path.unshift(cur);
    const inbound = inboundLayers(cur);
    if (inbound.length !== 1 || !inbound[0]) break;
    cur = inbound[0];
  }
  return { path, from: cur };
}

export interface BlockBranches {
  branch: string[];
  shortcut: string[];
  /** Layers from the addition to the model output (a standalone block model). */
  after: string[];
  /** The branch's layers, first to last (for zeroing its last layer). */
  branchLayers: Layer[];
}

/**
 * Read the residual branch, the shortcut and what follows the addition of a standalone block model
 * (tf.model(input → block → output)). The longer path from the input to the addition is the branch.
 * Returns undefined when the block has no addition.
 */
export function readBlock(model: tf.LayersModel): BlockBranches | { error: string } {
  const adds = addLayers(model);
  if (adds.length === 0) return { error: 'found no addition (tf.layers.add): the block has no shortcut' };
  if (adds.length > 1)
    return {
      error: `found ${adds.length} additions in one block; a residual block adds its branch to its shortcut once`,
    };
  const add = adds[0] as Layer;
  const isInput = (l: Layer) => l.getClassName() === 'InputLayer';
  const paths = inboundLayers(add).map((l) => chainBack(l, isInput));
  if (paths.length !== 2)
    return { error: `the addition has ${paths.length} inputs; add exactly the branch and the shortcut` };
  const [a, b] = paths as unknown as [{ path: Layer[] }, { path: Layer[] }];
  const [branch, shortcut] = a.path.length >= b.path.length ? [a.path, b.path] : [b.path, a.path];
  const output = model.outputLayers[0] as Layer;
  const after = output === add ? [] : chainBack(output, (l) => l === add).path;
  return { branch: branch.map(kindOf), shortcut: shortcut.map(kindOf), after: after.map(kindOf), branchLayers: branch };
}

export interface StageShapes {
  /** Output shape (without batch) of the layer feeding the first block. */
  stem: number[] | null;
  stages: Array<{ blocks: number; shape: number[] }>;
  output: number[];
}

function shapeOf(layer: Layer): number[] {
  const s = layer.outputShape as (number | null)[];
  return s.slice(1).map((d) => d ?? -1);
}

/** The network's stem output, its stages (consecutive blocks with one output shape) and its output shape. */
export function stageShapes(model: tf.LayersModel): StageShapes {
  const adds = addLayers(model);
  // A block's output is the addition, or the single activation right after it (post-activation blocks).
  const blockOut = (add: Layer) => {
    const next = add.outboundNodes[0]?.outboundLayer as Layer | undefined;
    return consumers(add) === 1 && next && kindOf(next) === 'ReLU' ? next : add;
  };
  const stages: StageShapes['stages'] = [];
  for (const add of adds) {
    const shape = shapeOf(blockOut(add));
    const last = stages.at(-1);
    if (last && last.shape.join() === shape.join()) last.blocks++;
    else stages.push({ blocks: 1, shape });
  }
  let stem: number[] | null = null;
  const first = adds[0];
  if (first) {
    const shortest = inboundLayers(first)
      .map((l) => chainBack(l, (x) => consumers(x) > 1 || x.getClassName() === 'InputLayer'))
      .sort((x, y) => x.path.length - y.path.length)[0];
    if (shortest) stem = shapeOf(shortest.from);
  }
  const out = model.outputLayers[0] as Layer;
  return { stem, stages, output: shapeOf(out) };
}

export interface ParamRow {
  name: string;
  kind: string;
  trainable: number;
  total: number;
}

/** Parameter counts per layer (layers without weights left out), in the model's topological order. */
export function paramRows(model: tf.LayersModel): ParamRow[] {
  const size = (ws: readonly tf.LayerVariable[]) =>
    ws.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  return model.layers
    .map((l) => ({ name: l.name, kind: kindOf(l), trainable: size(l.trainableWeights), total: size(l.weights) }))
    .filter((r) => r.total > 0);
}

export function paramTotals(rows: readonly ParamRow[]): { trainable: number; total: number } {
  return rows.reduce((s, r) => ({ trainable: s.trainable + r.trainable, total: s.total + r.total }), {
    trainable: 0,
    total: 0,
  });
}
