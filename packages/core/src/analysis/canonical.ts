// The canonical form of a rebuilt functional graph: every published way of writing the same network
// becomes one graph, and what told the ways apart is kept as the conventions the report names.
//   - ZeroPadding2D before a 'valid' conv or max-pool, padding exactly what 'same' gives (TF's split, or
//     ⌊k/2⌋ on every side as PyTorch, MXNet and Keras' ResNet write it), is that layer with 'same'.
//   - ReLU as tf.layers.reLU(), activation('relu') or a conv/dense layer's own activation: 'relu' is one
//     ReLU node right after that layer (so a fused ReLU in the wrong place is seen in the wrong place).
//   - BN epsilon and momentum are not part of a node; a convolution's bias is not counted (on or off is
//     a convention); a BN right after a 1×1 projection shortcut is left out (torchvision, Keras, the paper).
//   - A bottleneck's stride on its first 1×1 is moved to its 3×3 (torchvision's place).
//   - A projection reading the pre-activated x (BN → ReLU shared before the fork) reads x after that BN → ReLU.
// Every check reads this form (structure, params, shapes, identity), and the expected data is this form
// of the reference, so no check keeps a list of alternatives.
import type * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

/** [[top, bottom], [left, right]], as ZeroPadding2D's config gives it. */
export type Pad2d = [[number, number], [number, number]];

/**
 * A node is structured data (its op and, for a window, kernel and strides); `kind` is the same node
 * written for a person (Conv3x3/2, BN, ReLU, ZeroPad(1,1;1,1)), made from those fields when it is read
 * (formatNode), for messages and for the layer-kind lists of the expected data. Nothing parses it back.
 */
export interface CanonNode {
  id: number;
  /** Conv, DepthwiseConv, MaxPool, AvgPool, BN, ReLU, Add, Input, Dense, GlobalAvgPool, GlobalMaxPool,
   * ZeroPad, a capitalised activation (Sigmoid), or the layer class (Dropout, Flatten, ...). */
  op: string;
  /** A window's size and strides (Conv, DepthwiseConv, MaxPool, AvgPool). */
  kernel?: [number, number];
  strides?: [number, number];
  /** A convolution's or max-pool's dilation, when it is more than 1. */
  dilation?: [number, number];
  /** A 'valid' window where 'same' would have padded: it computes a smaller map. */
  unpadded?: boolean;
  /** The padding of a ZeroPad node that no window took as its 'same'. */
  pad?: Pad2d;
  /** A ReLU layer's ceiling. */
  maxValue?: number;
  /** The node as a person reads it: formatNode(node). */
  readonly kind: string;
  /** The layer this node stands for (a fused activation names its conv or dense layer). */
  layer: string;
  inputs: number[];
  consumers: number[];
  /** Output shape without the batch dimension. */
  shape: number[];
  /** Canonical parameter counts: a convolution's bias left out. */
  trainable: number;
  total: number;
  /** A BN on a projection shortcut: a convention, so no node of the canonical graph (and no row). */
  dropped?: boolean;
}

export interface Conventions {
  convBias: { on: number; off: number };
  /** Layers whose padding matters (kernel > 1): an explicit ZeroPadding2D, or padding 'same'. */
  padding: { explicit: number; same: number };
  relu: { layer: number; activation: number; fused: number };
  projectionBn: { with: number; without: number };
  strideOn: { first1x1: number; '3x3': number };
  shortcutInput: { x: number; preactivated: number };
  /** Models applied as layers, flattened before the rebuild (flat-topology.ts): tf.sequential and tf.model. */
  nested: { sequential: number; model: number };
}

export interface BlockParts {
  branch: number[];
  shortcut: number[];
  after: number[];
  /** The addition's node. */
  add: number;
}

export interface Segments {
  stem: number[];
  blocks: BlockParts[];
  head: number[];
}

export interface Totals {
  trainable: number;
  total: number;
}

export interface CanonicalGraph {
  nodes: CanonNode[];
  input: number;
  output: number;
  conventions: Conventions;
  /** What a bias on every convolution, and a BN on every projection shortcut, would add to the counts. */
  optional: { convBias: Totals; projectionBn: Totals };
  /** Stem, residual blocks in order, head; or why the graph is not a chain of residual blocks. */
  segments: Segments | { error: string };
}

const sum = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 1), 1);
const size = (ws: readonly tf.LayerVariable[]) => ws.reduce((s, w) => s + sum(w.shape), 0);
const pair = (v: unknown): [number, number] =>
  Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v ?? 1), Number(v ?? 1)];
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The node in words: Conv3x3/2, Conv1x1/2x1, MaxPool3x3/2 valid, Conv3x3 dilated 2x2, ZeroPad(1,1;1,1), ReLU(max 6). */
export function formatNode(n: Omit<CanonNode, 'kind'>): string {
  if (n.op === 'ZeroPad') return `ZeroPad(${(n.pad ?? []).map((p) => p.join(',')).join(';')})`;
  if (n.op === 'ReLU' && n.maxValue !== undefined) return `ReLU(max ${n.maxValue})`;
  if (!n.kernel) return n.op;
  const strides = n.strides ?? [1, 1];
  const s = strides[0] === strides[1] ? (strides[0] > 1 ? `/${strides[0]}` : '') : `/${strides.join('x')}`;
  const d = n.dilation ? ` dilated ${n.dilation.join('x')}` : '';
  return `${n.op}${n.kernel[0]}x${n.kernel[1]}${s}${d}${n.unpadded ? ' valid' : ''}`;
}

/**
 * Whether zero-padding `pad` ([[top, bottom], [left, right]]) before a 'valid' window of `kernel`/`strides`
 * on an `input` of [h, w] is what 'same' means: TF's own split, or ⌊k/2⌋ on each side when that gives the
 * same output size (PyTorch's and MXNet's padding=k//2, Keras ResNet's ZeroPadding2D).
 */
export function paddingIsSame(
  pad: [[number, number], [number, number]],
  kernel: [number, number],
  strides: [number, number],
  input: [number, number],
): boolean {
  return [0, 1].every((d) => {
    const [k, s, n] = [kernel[d] as number, strides[d] as number, input[d] as number];
    const [before, after] = pad[d] as [number, number];
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + k - n, 0);
    if (before === Math.floor(total / 2) && after === total - Math.floor(total / 2)) return true;
    const half = Math.floor(k / 2);
    return before === half && after === half && Math.floor((n + 2 * half - k) / s) + 1 === out;
  });
}

const WINDOWED: Record<string, string> = { Conv2D: 'Conv', MaxPooling2D: 'MaxPool', DepthwiseConv2D: 'DepthwiseConv' };
const SIMPLE: Record<string, string> = {
  BatchNormalization: 'BN',
  GlobalAveragePooling2D: 'GlobalAvgPool',
  GlobalMaxPooling2D: 'GlobalMaxPool',
};

function emptyConventions(): Conventions {
  return {
    convBias: { on: 0, off: 0 },
    padding: { explicit: 0, same: 0 },
    relu: { layer: 0, activation: 0, fused: 0 },
    projectionBn: { with: 0, without: 0 },
    strideOn: { first1x1: 0, '3x3': 0 },
    shortcutInput: { x: 0, preactivated: 0 },
    nested: { sequential: 0, model: 0 },
  };
}

/** One call of a layer in the model: a layer applied twice (shared weights) is two calls, one set of weights. */
interface Call {
  layer: Layer;
  key: string;
  /** The calls it reads, in order. */
  inputs: string[];
  /** Output shape without the batch dimension. */
  shape: number[];
  /** Whether this is the first call of its layer (the one that counts its weights). */
  first: boolean;
}

interface TfNode {
  inboundLayers: Layer[];
  nodeIndices: number[];
  outputShapes: (number | null)[] | (number | null)[][];
}

const callKey = (layer: Layer, node: number) => `${layer.name}#${node}`;
const nodesOf = (layer: Layer) => (layer as unknown as { inboundNodes: TfNode[] }).inboundNodes;

/**
 * The model's layer calls in an order where every call comes after the calls it reads: the model's own layer
 * order (TF.js sorts it by depth) where that already holds, as it does when no layer is called twice. Only
 * the calls that lead to the model's outputs are the model's (a layer may have calls in other models).
 */
function callsOf(model: tf.LayersModel): Call[] {
  const layers = new Map(model.layers.map((l) => [l.name, l]));
  const wanted = new Set<string>();
  const stack = model.outputs.map((t) => [t.sourceLayer as Layer, t.nodeIndex] as const);
  while (stack.length > 0) {
    const [layer, index] = stack.pop() as [Layer, number];
    const key = callKey(layer, index);
    if (wanted.has(key) || !layers.has(layer.name)) continue;
    wanted.add(key);
    const node = nodesOf(layer)[index];
    for (const [i, from] of (node?.inboundLayers ?? []).entries()) stack.push([from, node?.nodeIndices[i] ?? 0]);
  }
  let pending: Call[] = [];
  const counted = new Set<string>();
  for (const layer of model.layers)
    for (const [index, node] of nodesOf(layer).entries()) {
      const key = callKey(layer, index);
      if (!wanted.has(key)) continue;
      const shapes = node.outputShapes;
      const shape = (Array.isArray(shapes[0]) ? shapes[0] : shapes) as (number | null)[];
      pending.push({
        layer,
        key,
        inputs: node.inboundLayers.map((from, i) => callKey(from, node.nodeIndices[i] ?? 0)),
        shape: shape.slice(1).map((d) => d ?? -1),
        first: !counted.has(layer.name),
      });
      counted.add(layer.name);
    }
  const ordered: Call[] = [];
  const done = new Set<string>();
  while (pending.length > 0) {
    const later: Call[] = [];
    for (const call of pending) {
      if (call.inputs.every((k) => done.has(k) || !wanted.has(k))) {
        ordered.push(call);
        done.add(call.key);
      } else later.push(call);
    }
    // A cycle cannot come out of TF.js; should one, its calls are left out rather than looped on.
    if (later.length === pending.length) break;
    pending = later;
  }
  return ordered;
}

/** The canonical graph of a rebuilt model (plain data: it outlives the model's weights). */
export function canonicalize(model: tf.LayersModel): CanonicalGraph {
  const conventions = emptyConventions();
  const nodes: CanonNode[] = [];
  /** Canonical node of each layer call's output. */
  const out = new Map<string, number>();
  /** Explicit padding folded into the layer call that consumes it. */
  const foldedPad = new Map<string, [[number, number], [number, number]]>();
  const calls = callsOf(model);
  const byKey = new Map(calls.map((c) => [c.key, c]));
  const readers = new Map<string, Call[]>();
  for (const call of calls)
    for (const k of call.inputs) {
      const list = readers.get(k);
      if (list) list.push(call);
      else readers.set(k, [call]);
    }
  type Fields = Pick<CanonNode, 'op' | 'kernel' | 'strides' | 'dilation' | 'unpadded' | 'pad' | 'maxValue'>;
  const add = (call: Call, fields: Fields, inputs: number[], params = { trainable: 0, total: 0 }) => {
    const node = {
      id: nodes.length,
      ...fields,
      layer: call.layer.name,
      inputs,
      consumers: [],
      shape: call.shape,
      ...params,
    } as Omit<CanonNode, 'kind'> as CanonNode;
    Object.defineProperty(node, 'kind', { enumerable: true, get: () => formatNode(node) });
    nodes.push(node);
    for (const i of inputs) nodes[i]?.consumers.push(node.id);
    return node.id;
  };
  const activation = (call: Call, name: unknown, input: number): number => {
    if (name === undefined || name === null || name === 'linear') return input;
    if (name === 'relu' && call.first) conventions.relu.fused++;
    return add(call, { op: name === 'relu' ? 'ReLU' : capital(String(name)) }, [input]);
  };

  for (const call of calls) {
    const { layer } = call;
    const c = layer.getConfig() as Record<string, unknown>;
    const cls = layer.getClassName();
    const inbound = call.inputs.map((k) => byKey.get(k)).filter((x): x is Call => x !== undefined);
    const inputs = call.inputs.map((k) => out.get(k)).filter((i): i is number => i !== undefined);
    // A layer called twice shares its weights: they count once, on its first call.
    const real = call.first
      ? { trainable: size(layer.trainableWeights), total: size(layer.weights) }
      : { trainable: 0, total: 0 };
    let id: number;
    if (cls === 'InputLayer') id = add(call, { op: 'Input' }, []);
    else if (cls === 'ZeroPadding2D') {
      const next = readers.get(call.key) ?? [];
      const target = next.length === 1 ? next[0] : undefined;
      const tc = target?.layer.getConfig() as Record<string, unknown> | undefined;
      const pad = c.padding as Pad2d;
      const before = inbound[0]?.shape ?? [];
      const foldable =
        target &&
        tc &&
        (target.layer.getClassName() === 'Conv2D' || target.layer.getClassName() === 'MaxPooling2D') &&
        tc.padding === 'valid' &&
        pair(tc.dilationRate ?? 1).every((d) => d === 1) &&
        paddingIsSame(pad, pair(tc.kernelSize ?? tc.poolSize), pair(tc.strides ?? tc.poolSize), [
          before[0] ?? 0,
          before[1] ?? 0,
        ]);
      if (foldable && target && inputs[0] !== undefined) {
        foldedPad.set(target.key, pad);
        out.set(call.key, inputs[0]);
        continue;
      }
      id = add(call, { op: 'ZeroPad', pad }, inputs);
    } else if (WINDOWED[cls]) {
      const kernel = pair(c.kernelSize ?? c.poolSize);
      const strides = pair(c.strides ?? c.poolSize);
      if ((kernel[0] > 1 || kernel[1] > 1) && call.first) {
        if (foldedPad.has(call.key)) conventions.padding.explicit++;
        else if (c.padding === 'same') conventions.padding.same++;
      }
      // 'valid' that is not what 'same' gives (no padding where 'same' pads) computes a smaller map: say so.
      const hw = inbound[0]?.shape ?? [];
      const unpadded =
        c.padding === 'valid' &&
        !foldedPad.has(call.key) &&
        !paddingIsSame(
          [
            [0, 0],
            [0, 0],
          ],
          kernel,
          strides,
          [hw[0] ?? 0, hw[1] ?? 0],
        );
      const dilation = pair(c.dilationRate ?? 1);
      const window: Fields = { op: WINDOWED[cls] as string, kernel, strides };
      if (dilation[0] > 1 || dilation[1] > 1) window.dilation = dilation;
      if (unpadded) window.unpadded = true;
      let params = real;
      if (cls === 'Conv2D' && call.first) {
        // The bias is a convention (the chapter keeps it, torchvision drops it before BN): not counted.
        const bias = layer.weights.filter((w) => /bias$/.test(w.originalName ?? w.name));
        const b = size(bias);
        if (c.useBias) conventions.convBias.on++;
        else conventions.convBias.off++;
        params = { trainable: real.trainable - b, total: real.total - b };
      }
      id = activation(call, c.activation, add(call, window, inputs, params));
    } else if (cls === 'Dense') id = activation(call, c.activation, add(call, { op: 'Dense' }, inputs, real));
    else if (cls === 'ReLU') {
      if (call.first) conventions.relu.layer++;
      id = add(
        call,
        c.maxValue === null || c.maxValue === undefined
          ? { op: 'ReLU' }
          : { op: 'ReLU', maxValue: c.maxValue as number },
        inputs,
      );
    } else if (cls === 'Activation') {
      if (c.activation === 'relu' && call.first) conventions.relu.activation++;
      const input = inputs[0];
      if (c.activation === 'linear' && input !== undefined) {
        out.set(call.key, input);
        continue;
      }
      id = add(call, { op: c.activation === 'relu' ? 'ReLU' : capital(String(c.activation)) }, inputs);
    } else if (
      cls === 'Flatten' &&
      inbound[0] &&
      (readers.get(inbound[0].key) ?? []).length === 1 &&
      wholeMapAverage(nodes, inputs[0])
    ) {
      // An average pool over the whole feature map, then a flatten (PyTorch's AdaptiveAvgPool2d((1, 1)) +
      // flatten, early Keras ResNet50): a global average pool.
      const pool = nodes[inputs[0] as number] as CanonNode;
      pool.op = 'GlobalAvgPool';
      delete pool.kernel;
      delete pool.strides;
      pool.shape = call.shape;
      out.set(call.key, pool.id);
      continue;
    } else if (cls === 'AveragePooling2D')
      id = add(call, { op: 'AvgPool', kernel: pair(c.poolSize), strides: pair(c.strides ?? c.poolSize) }, inputs);
    else id = add(call, { op: SIMPLE[cls] ?? cls }, inputs, real);
    out.set(call.key, id);
  }
  const first = model.inputLayers[0];
  const input = (first && out.get(callKey(first, 0))) ?? 0;
  const result = model.outputs[0];
  const output = (result && out.get(callKey(result.sourceLayer as Layer, result.nodeIndex))) ?? nodes.length - 1;
  // A bias per filter; a BN per projection channel (gamma and beta trainable, plus the moving statistics).
  const filters = (ids: readonly number[]) => ids.reduce((s, i) => s + (nodes[i]?.shape.at(-1) ?? 0), 0);
  // A layer called twice has one bias: only its first call (the one with weights) counts.
  const convs = nodes.filter((n) => n.op === 'Conv' && n.total > 0).map((n) => n.id);
  const graph: CanonicalGraph = {
    nodes,
    input,
    output,
    conventions,
    optional: { convBias: { trainable: 0, total: 0 }, projectionBn: { trainable: 0, total: 0 } },
    segments: { stem: [], blocks: [], head: [] },
  };
  graph.segments = segment(graph);
  const bias = filters(convs);
  const projections = 'error' in graph.segments ? [] : graph.segments.blocks.flatMap((b) => b.shortcut.slice(-1));
  const channels = filters(projections.filter((i) => isConv(nodes[i]) && (nodes[i]?.total ?? 0) > 0));
  graph.optional = {
    convBias: { trainable: bias, total: bias },
    projectionBn: { trainable: 2 * channels, total: 4 * channels },
  };
  return graph;
}

/** An AvgPool node whose window is its whole input and whose output is 1×1. */
function wholeMapAverage(nodes: readonly CanonNode[], id: number | undefined): boolean {
  const pool = id === undefined ? undefined : nodes[id];
  const input = pool && nodes[pool.inputs[0] as number];
  return Boolean(
    pool?.op === 'AvgPool' &&
      pool.kernel &&
      input &&
      pool.shape[0] === 1 &&
      pool.shape[1] === 1 &&
      pool.kernel[0] === input.shape[0] &&
      pool.kernel[1] === input.shape[1],
  );
}

/** From `id` back through single-input nodes: [id, its input, ...], ending at a node with 0 or 2+ inputs. */
function ancestors(nodes: readonly CanonNode[], id: number): number[] {
  const chain = [id];
  let cur = nodes[id];
  while (cur && cur.inputs.length === 1) {
    const prev = cur.inputs[0] as number;
    chain.push(prev);
    cur = nodes[prev];
  }
  return chain;
}

/** The nodes strictly after `from` up to and including `to`, or undefined when `to` does not lead back to `from`. */
function between(nodes: readonly CanonNode[], from: number, to: number): number[] | undefined {
  const chain = ancestors(nodes, to);
  const at = chain.indexOf(from);
  return at < 0 ? undefined : chain.slice(0, at).reverse();
}

const isConv = (n: CanonNode | undefined) => n?.op === 'Conv';
const hasKernel = (n: CanonNode, k: number) => n.kernel?.[0] === k && n.kernel[1] === k;
const strided = (n: CanonNode) => Boolean(n.strides && (n.strides[0] > 1 || n.strides[1] > 1));
/** What ReLU is written as: the plain activation, no ceiling. */
const isRelu = (n: CanonNode | undefined) => n?.op === 'ReLU' && n.maxValue === undefined;
const NOT_AN_ACTIVATION = new Set(['Add', 'Input', 'ZeroPad', 'Dropout']);
/** Right after an addition: what is applied to the block's sum (ReLU, other activations), not the next layer. */
const isActivation = (n: CanonNode | undefined, nodes: readonly CanonNode[]) =>
  Boolean(
    n &&
      n.total === 0 &&
      n.inputs.length === 1 &&
      n.shape.join() === nodes[n.inputs[0] as number]?.shape.join() &&
      !NOT_AN_ACTIVATION.has(n.op),
  );

/**
 * Split the graph at its additions: the stem (input to the first block's fork), each block's branch,
 * shortcut and what follows its addition, and the head (after the last block to the output). The two
 * conventions that live across a block (a BN on the projection; a projection reading the pre-activated x)
 * and the stride position are read and made canonical here.
 */
function segment(g: CanonicalGraph): Segments | { error: string } {
  const { nodes, conventions } = g;
  const adds = nodes.filter((n) => n.op === 'Add');
  const blocks: BlockParts[] = [];
  let stem: number[] = [];
  let prevEnd = g.input;
  for (const [k, addNode] of adds.entries()) {
    if (addNode.inputs.length !== 2)
      return { error: `the addition has ${addNode.inputs.length} inputs; add exactly the branch and the shortcut` };
    const [a, b] = addNode.inputs.map((i) => ancestors(nodes, i)) as [number[], number[]];
    const onB = new Set(b);
    const fork = a.find((i) => onB.has(i));
    if (fork === undefined)
      return { error: 'the branch and the shortcut of a block do not start from the same tensor' };
    const pathA = a.slice(0, a.indexOf(fork)).reverse();
    const pathB = b.slice(0, b.indexOf(fork)).reverse();
    let [branch, shortcut] = pathA.length >= pathB.length ? [pathA, pathB] : [pathB, pathA];
    // What lies between the previous block's addition (or the input) and this block's fork.
    const link = between(nodes, prevEnd, fork);
    if (link === undefined)
      return {
        error:
          k === 0
            ? 'the first block does not read the network input'
            : `block ${k + 1} does not read the output of block ${k}`,
      };
    let lead = link;
    if (k > 0) {
      const prev = blocks[k - 1] as BlockParts;
      let n = 0;
      while (n < link.length && isActivation(nodes[link[n] as number], nodes)) n++;
      prev.after = link.slice(0, n);
      lead = link.slice(n);
    }
    const projection = isConv(nodes[shortcut[0] as number]);
    // BN → ReLU shared before the fork, feeding a projection: the pre-activation block of the identity-mappings paper.
    const [t0, t1] = lead.slice(-2).map((i) => nodes[i]);
    let shared = lead;
    if (projection && lead.length >= 2 && t0?.op === 'BN' && isRelu(t1)) {
      conventions.shortcutInput.preactivated++;
      branch = [...lead.slice(-2), ...branch];
      shared = lead.slice(0, -2);
    } else if (projection && lead.length === 0) conventions.shortcutInput.x++;
    if (k === 0) {
      stem = shared;
      shared = [];
    }
    branch = [...shared, ...branch];
    shortcut = [...shared, ...shortcut];
    const [s0, s1] = shortcut.map((i) => nodes[i] as CanonNode);
    if (shortcut.length === 2 && s0 && isConv(s0) && hasKernel(s0, 1)) {
      if (s1?.op === 'BN') {
        conventions.projectionBn.with++;
        (nodes[shortcut[1] as number] as CanonNode).dropped = true;
        shortcut = shortcut.slice(0, 1);
      }
    } else if (shortcut.length === 1 && projection) conventions.projectionBn.without++;
    moveStride(
      branch.map((i) => nodes[i] as CanonNode),
      conventions,
    );
    blocks.push({ branch, shortcut, after: [], add: addNode.id });
    prevEnd = addNode.id;
  }
  if (blocks.length === 0) return { stem: [], blocks, head: [] };
  const rest = between(nodes, prevEnd, g.output);
  if (rest === undefined) return { error: 'the output does not follow the last block' };
  let n = 0;
  while (n < rest.length && isActivation(nodes[rest[n] as number], nodes)) n++;
  (blocks.at(-1) as BlockParts).after = rest.slice(0, n);
  return { stem, blocks, head: rest.slice(n) };
}

/** Bottleneck: Conv1x1/s → ... → Conv3x3 becomes Conv1x1 → ... → Conv3x3/s (the paper's place → torchvision's). */
function moveStride(branch: CanonNode[], conventions: Conventions): void {
  const convs = branch.filter(isConv);
  const [first, second] = convs;
  if (!first || !second || !hasKernel(first, 1) || !hasKernel(second, 3)) return;
  if (strided(first) && !strided(second)) {
    conventions.strideOn.first1x1++;
    second.strides = first.strides;
    first.strides = [1, 1];
  } else if (strided(second) && !strided(first)) conventions.strideOn['3x3']++;
}

export const kindsOf = (g: CanonicalGraph, ids: readonly number[]) => ids.map((i) => g.nodes[i]?.kind ?? '?');

export interface ParamRow {
  name: string;
  kind: string;
  trainable: number;
  total: number;
}

/**
 * Canonical parameter rows, nodes with weights (a projection's BN left out) in the block order: stem, then
 * each block's branch, shortcut and what follows its addition, then the head, so that the order in which
 * a student happened to create layers does not move the first difference.
 */
export function canonicalRows(g: CanonicalGraph): ParamRow[] {
  const s = g.segments;
  const ordered =
    'error' in s ? [] : [...s.stem, ...s.blocks.flatMap((b) => [...b.branch, ...b.shortcut, ...b.after]), ...s.head];
  const ids = [...new Set([...ordered, ...g.nodes.map((n) => n.id)])];
  return ids
    .map((i) => g.nodes[i] as CanonNode)
    .filter((n) => n.total > 0 && !n.dropped)
    .map((n) => ({ name: n.layer, kind: n.kind, trainable: n.trainable, total: n.total }));
}

export function paramTotals(rows: readonly { trainable: number; total: number }[]): {
  trainable: number;
  total: number;
} {
  return rows.reduce((s, r) => ({ trainable: s.trainable + r.trainable, total: s.total + r.total }), {
    trainable: 0,
    total: 0,
  });
}

/** The model's own counts (as countParams gives them, trainable and total). */
export function modelCounts(model: tf.LayersModel): { trainable: number; total: number } {
  return paramTotals(model.layers.map((l) => ({ trainable: size(l.trainableWeights), total: size(l.weights) })));
}

/**
 * A two-way convention in words: all the first way, all the second (unnamed when `second` is undefined,
 * the default not worth a word), or how many of how many went the first way.
 */
function twoWay(
  first: number,
  second: number,
  words: [string, string | undefined],
  some: (n: number, of: number) => string,
): string | undefined {
  if (first + second === 0) return undefined;
  return second === 0 ? words[0] : first === 0 ? words[1] : some(first, first + second);
}

/** The conventions in words, with the published source they match when one does. */
export function describeConventions(c: Conventions): string {
  const forms = [
    c.relu.layer && 'tf.layers.reLU()',
    c.relu.activation && "activation('relu')",
    c.relu.fused && "the layer's own activation: 'relu'",
  ].filter(Boolean);
  const parts = [
    twoWay(
      c.strideOn.first1x1,
      c.strideOn['3x3'],
      ['stride on the first 1×1', 'stride on the 3×3'],
      (n, of) => `stride on the first 1×1 in ${n} of ${of}`,
    ),
    twoWay(
      c.convBias.on,
      c.convBias.off,
      ['conv bias on', 'conv bias off'],
      (n, of) => `conv bias on ${n} of ${of} convolutions`,
    ),
    twoWay(
      c.projectionBn.with,
      c.projectionBn.without,
      ['BN on the projection', 'no BN on the projection'],
      (n, of) => `BN on the projection in ${n} of ${of}`,
    ),
    twoWay(
      c.shortcutInput.preactivated,
      c.shortcutInput.x,
      ['projection reads the pre-activated x', undefined],
      (n, of) => `projection reads the pre-activated x in ${n} of ${of}`,
    ),
    twoWay(
      c.padding.explicit,
      c.padding.same,
      ['explicit zero-padding', undefined],
      (n, of) => `explicit zero-padding on ${n} of ${of} layers`,
    ),
    // tf.layers.reLU() alone is the chapter's way, not worth a word.
    forms.length && !(forms.length === 1 && c.relu.layer) ? `ReLU as ${forms.join(' and ')}` : undefined,
    nestedWords(c.nested),
  ].filter((p): p is string => Boolean(p));
  const source = publishedSource(c);
  return source ? `${source}: ${parts.join(', ')}` : parts.join(', ');
}

/** Layers grouped in models applied as layers (a branch as a tf.sequential, a block as a tf.model). */
function nestedWords(n: Conventions['nested']): string | undefined {
  const kinds = [n.sequential > 0 && 'tf.sequential', n.model > 0 && 'tf.model'].filter(Boolean);
  return kinds.length ? `nested ${kinds.join(' and ')}` : undefined;
}

/** The published code a set of conventions matches (the block-level conventions decide). */
function publishedSource(c: Conventions): string | undefined {
  const only = (x: { [k: string]: number }, key: string) =>
    (x[key] ?? 0) > 0 && Object.entries(x).every(([k, v]) => k === key || v === 0);
  if (only(c.shortcutInput, 'preactivated')) return 'the identity-mappings paper / Keras ResNetV2';
  if (only(c.strideOn, '3x3') && only(c.convBias, 'off') && only(c.projectionBn, 'with')) return 'torchvision';
  if (only(c.strideOn, 'first1x1') && only(c.projectionBn, 'with'))
    return only(c.convBias, 'on') ? 'Keras ResNet / the ResNet paper' : 'the ResNet paper';
  if (c.padding.explicit > 0 && c.padding.same === 0) return "a port of the chapter's PyTorch/MXNet code";
  return undefined;
}
