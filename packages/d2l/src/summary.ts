// Model summary: per-layer output shapes and parameter counts, with trainable and non-trainable
// totals reported separately (PyTorch counts only the first; Keras and TF.js count both).
import type * as tf from '@tensorflow/tfjs';

type Shape = Array<number | null>;

export interface SummaryRow {
  name: string;
  className: string;
  outputShape: Shape | Shape[];
  params: number;
}

export interface ModelSummary {
  rows: SummaryRow[];
  trainableParams: number;
  nonTrainableParams: number;
  totalParams: number;
}

function sizeOf(weights: tf.LayerVariable[]): number {
  return weights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

export function summary(model: tf.LayersModel): ModelSummary {
  const rows = model.layers.map((layer) => ({
    name: layer.name,
    className: layer.getClassName(),
    outputShape: layer.outputShape as Shape | Shape[],
    params: layer.countParams(),
  }));
  const trainableParams = sizeOf(model.trainableWeights);
  const nonTrainableParams = sizeOf(model.nonTrainableWeights);
  return { rows, trainableParams, nonTrainableParams, totalParams: trainableParams + nonTrainableParams };
}

const num = (n: number) => n.toLocaleString('en-US');

export function formatShape(shape: Shape | Shape[]): string {
  const one = (s: Shape) => `[${s.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
  return Array.isArray(shape[0]) ? (shape as Shape[]).map(one).join(' ') : one(shape as Shape);
}

/** A Keras-style table followed by the three totals. */
export function formatSummary(s: ModelSummary): string {
  const cells = s.rows.map((r) => [`${r.name} (${r.className})`, formatShape(r.outputShape), num(r.params)] as const);
  const header = ['Layer (type)', 'Output shape', 'Param #'] as const;
  const w0 = Math.max(header[0].length, ...cells.map((c) => c[0].length));
  const w1 = Math.max(header[1].length, ...cells.map((c) => c[1].length));
  const w2 = Math.max(header[2].length, ...cells.map((c) => c[2].length));
  const line = (c: readonly [string, string, string]) => `${c[0].padEnd(w0)}  ${c[1].padEnd(w1)}  ${c[2].padStart(w2)}`;
  const rule = '-'.repeat(w0 + w1 + w2 + 4);
  return [
    line(header),
    rule,
    ...cells.map(line),
    rule,
    `Total params: ${num(s.totalParams)}`,
    `Trainable params: ${num(s.trainableParams)}`,
    `Non-trainable params: ${num(s.nonTrainableParams)}`,
  ].join('\n');
}

interface GraphNode {
  inputTensors: Array<{ id: number }>;
  outputTensors: Array<{ id: number }>;
}

/**
 * The output shape of every layer for a concrete input, like the book's loop that feeds
 * `X = [1, 224, 224, 1]` layer by layer — but computed from the layers' shape rules, so a large
 * network at full resolution costs nothing to list. `inputShape` includes the batch dimension.
 */
export function layerShapes(
  model: tf.LayersModel,
  inputShape?: number[],
): Array<{ name: string; className: string; shape: Shape | Shape[] }> {
  if (model.inputs.length !== 1 && inputShape)
    throw new Error(`layerShapes: the model has ${model.inputs.length} inputs; pass none to use its own shapes`);
  const input = inputShape ?? [1, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const known = new Map<number, Shape>(model.inputs.map((t, i) => [t.id, i === 0 ? input : [1, ...t.shape.slice(1)]]));
  const out: Array<{ name: string; className: string; shape: Shape | Shape[] }> = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const nodes = (layer as unknown as { inboundNodes: GraphNode[] }).inboundNodes;
    if (className === 'InputLayer') {
      const id = nodes[0]!.outputTensors[0]!.id;
      out.push({ name: layer.name, className, shape: known.get(id)! });
      continue;
    }
    // A layer object may also be used by other models: take the call whose inputs this model computes.
    const node = nodes.find((n) => n.inputTensors.every((t) => known.has(t.id)));
    if (!node) throw new Error(`layerShapes: cannot place layer ${layer.name} in the graph of ${model.name}`);
    const inShapes = node.inputTensors.map((t) => known.get(t.id)!);
    const shape = layer.computeOutputShape(inShapes.length === 1 ? inShapes[0]! : inShapes) as Shape | Shape[];
    const shapes = Array.isArray(shape[0]) ? (shape as Shape[]) : [shape as Shape];
    node.outputTensors.forEach((t, i) => {
      known.set(t.id, shapes[i]!);
    });
    out.push({ name: layer.name, className, shape });
  }
  return out;
}

/** The seed's listing: `name output shape:  [1, 112, 112, 64]`, one layer a line (input layers left out). */
export function formatLayerShapes(rows: Array<{ name: string; className: string; shape: Shape | Shape[] }>): string {
  const shown = rows.filter((r) => r.className !== 'InputLayer');
  const width = Math.max(0, ...shown.map((r) => r.name.length));
  return shown.map((r) => `${`${r.name} output shape:`.padEnd(width + 14)} ${formatShape(r.shape)}`).join('\n');
}
