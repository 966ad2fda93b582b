// What rebuilding a topology would cost, computed from its configuration alone (nothing is allocated):
// each layer's parameter count and output size for the input it declares. The child is the adversary: a
// few kilobytes of JSON (three 10000×10000 dense layers) would otherwise make the grader's own process
// allocate gigabytes in tf.models.modelFromJSON. grade.ts checks `withinBudget` before `rebuildModel`.
import type { CheckExpectation } from '../expected.ts';
import { TopologyError, validateTopology } from '../topology.ts';

type TrainingProfileName = 'cpu-small' | 'gpu-long';

/** One layer call (a layer applied twice is two calls; its weights count once). */
export interface LayerCost {
  name: string;
  className: string;
  params: number;
  /** Output shape without the batch dimension. */
  output: number[];
  /** Floats in that output, per sample. */
  outputFloats: number;
}

export interface TopologyCost {
  layers: LayerCost[];
  params: number;
  /** Floats of all layer outputs together, per sample (what one forward pass holds at most). */
  activationFloats: number;
  largestLayer?: LayerCost;
}

type Json = Record<string, unknown>;
const bad = (layer: string, what: string) =>
  new TopologyError(`layer '${layer}': ${what}; the grader cannot size this topology, so it is not rebuilt`);

/** A dimension or count from a config: a positive whole number, or the topology is refused. */
function count(v: unknown, layer: string, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw bad(layer, `${what} is ${JSON.stringify(v)}`);
  return v;
}

/** An int or [int, int] config (kernel_size, strides, pool_size, dilation_rate), with a default. */
function pair(v: unknown, layer: string, what: string, fallback?: number): [number, number] {
  if (v === undefined || v === null) {
    if (fallback === undefined) throw bad(layer, `${what} is missing`);
    return [fallback, fallback];
  }
  if (Array.isArray(v) && v.length === 2) return [count(v[0], layer, what), count(v[1], layer, what)];
  const n = count(v, layer, what);
  return [n, n];
}

function channelsLast(config: Json, layer: string): void {
  const f = config.data_format;
  if (f !== undefined && f !== null && f !== 'channels_last')
    throw bad(layer, `data_format '${String(f)}' (only channels_last is graded)`);
}

function spatialOut(size: number, k: number, s: number, d: number, padding: unknown, layer: string): number {
  if (padding === 'same') return Math.ceil(size / s);
  if (padding === 'valid' || padding === undefined) {
    const out = Math.floor((size - d * (k - 1) - 1) / s) + 1;
    if (out < 1) throw bad(layer, `a ${k}×${k} window does not fit an input of size ${size}`);
    return out;
  }
  throw bad(layer, `padding '${String(padding)}'`);
}

function image(shape: number[], layer: string): [number, number, number] {
  if (shape.length !== 3) throw bad(layer, `expects an image input, got shape [${shape.join(',')}]`);
  return shape as [number, number, number];
}

/** Output shape and parameter count of one layer call, from its config and its inputs' shapes. */
function layerCost(className: string, config: Json, name: string, inputs: number[][]): [number[], number] {
  const x = inputs[0] ?? [];
  const last = x.at(-1) ?? 1;
  const bias = (units: number) => (config.use_bias === false ? 0 : units);
  switch (className) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      channelsLast(config, name);
      const [h, w, c] = image(x, name);
      const [kh, kw] = pair(config.kernel_size, name, 'kernel_size');
      const [sh, sw] = pair(config.strides, name, 'strides', 1);
      const [dh, dw] = pair(config.dilation_rate, name, 'dilation_rate', 1);
      const out = [spatialOut(h, kh, sh, dh, config.padding, name), spatialOut(w, kw, sw, dw, config.padding, name)];
      if (className === 'Conv2D') {
        const f = count(config.filters, name, 'filters');
        return [[...out, f], kh * kw * c * f + bias(f)];
      }
      const m = count(config.depth_multiplier ?? 1, name, 'depth_multiplier');
      if (className === 'DepthwiseConv2D') return [[...out, c * m], kh * kw * c * m + bias(c * m)];
      const f = count(config.filters, name, 'filters');
      return [[...out, f], kh * kw * c * m + c * m * f + bias(f)];
    }
    case 'BatchNormalization':
    case 'LayerNormalization': {
      if (config.axis !== undefined && config.axis !== -1 && config.axis !== x.length && !isLastAxis(config.axis, x))
        throw bad(name, `normalises axis ${JSON.stringify(config.axis)} (only the channel axis is graded)`);
      const affine = (config.center === false ? 0 : 1) + (config.scale === false ? 0 : 1);
      return [x, last * (affine + (className === 'BatchNormalization' ? 2 : 0))];
    }
    case 'Activation':
    case 'ReLU':
    case 'LeakyReLU':
    case 'ELU':
    case 'Softmax':
    case 'Dropout':
      return [x, 0];
    case 'Add':
    case 'Multiply': {
      // Broadcasting of equal ranks: the largest of each dimension.
      const rank = Math.max(...inputs.map((s) => s.length));
      const out = Array.from({ length: rank }, (_, i) => Math.max(...inputs.map((s) => s[s.length - rank + i] ?? 1)));
      return [out, 0];
    }
    case 'Concatenate': {
      const axis = typeof config.axis === 'number' ? config.axis : -1;
      const at = axis < 0 ? x.length + axis : axis - 1;
      if (at < 0 || at >= x.length) throw bad(name, `concatenates along axis ${axis}`);
      const out = [...x];
      out[at] = inputs.reduce((s, shape) => s + (shape[at] ?? 0), 0);
      return [out, 0];
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      channelsLast(config, name);
      const [h, w, c] = image(x, name);
      const [ph, pw] = pair(config.pool_size, name, 'pool_size', 2);
      const [sh, sw] =
        config.strides === null || config.strides === undefined ? [ph, pw] : pair(config.strides, name, 'strides');
      return [[spatialOut(h, ph, sh, 1, config.padding, name), spatialOut(w, pw, sw, 1, config.padding, name), c], 0];
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      channelsLast(config, name);
      return [[image(x, name)[2]], 0];
    case 'Dense': {
      const units = count(config.units, name, 'units');
      return [[...x.slice(0, -1), units], last * units + bias(units)];
    }
    case 'Flatten':
      return [[x.reduce((a, b) => a * b, 1)], 0];
    case 'Reshape': {
      const target = Array.isArray(config.target_shape) ? (config.target_shape as unknown[]) : undefined;
      if (!target) throw bad(name, 'target_shape is missing');
      const size = x.reduce((a, b) => a * b, 1);
      const known = target.filter((d) => d !== -1 && d !== null).map((d) => count(d, name, 'target_shape'));
      const rest = size / known.reduce((a, b) => a * b, 1);
      return [target.map((d) => (d === -1 || d === null ? rest : (d as number))), 0];
    }
    case 'ZeroPadding2D': {
      channelsLast(config, name);
      const [h, w, c] = image(x, name);
      const p = config.padding;
      const nonNegative = (v: unknown) => (v === 0 ? 0 : count(v, name, 'padding'));
      let rows: number;
      let cols: number;
      if (Array.isArray(p) && p.length === 2 && p.every(Array.isArray)) {
        const [[t, b], [l, r]] = p as unknown[][] as [unknown[], unknown[]];
        rows = nonNegative(t) + nonNegative(b);
        cols = nonNegative(l) + nonNegative(r);
      } else if (Array.isArray(p) && p.length === 2) {
        rows = 2 * nonNegative(p[0]);
        cols = 2 * nonNegative(p[1]);
      } else {
        rows = 2 * nonNegative(p ?? 1);
        cols = rows;
      }
      return [[h + rows, w + cols, c], 0];
    }
    default:
      throw bad(name, `class '${className}' has no size rule`);
  }
}

function isLastAxis(axis: unknown, x: number[]): boolean {
  return Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === x.length);
}

/**
 * Sizes of a (validated) topology's layers, following its graph from the input layers' declared shapes.
 * Throws TopologyError when a shape or count cannot be known from the configuration.
 */
export function topologyCost(topology: unknown): TopologyCost {
  const config = (topology as { config?: { layers?: unknown } }).config;
  const layers = (Array.isArray(config?.layers) ? config.layers : []) as Json[];
  const byName = new Map<string, Json>();
  for (const l of layers) byName.set(String(l.name ?? (l.config as Json | undefined)?.name ?? ''), l);
  // Output shape of each call, by `layer#nodeIndex`; computed on demand, in graph order.
  const shapes = new Map<string, number[]>();
  const costs: LayerCost[] = [];
  const counted = new Set<string>();
  const visiting = new Set<string>();
  let params = 0;

  const record = (layerName: string, className: string, id: string, out: number[], weights: number) => {
    counted.add(layerName);
    shapes.set(id, out);
    params += weights;
    costs.push({
      name: layerName,
      className,
      params: weights,
      output: out,
      outputFloats: out.reduce((a, b) => a * b, 1),
    });
  };
  /** The refs of call `node` of a layer: [layer name, node index] each, checked. */
  const inboundOf = (layerName: string, layer: Json, node: number): Array<[string, number]> => {
    const nodes = Array.isArray(layer.inbound_nodes) ? (layer.inbound_nodes as unknown[]) : [];
    const inbound = nodes[node];
    if (!Array.isArray(inbound) || inbound.length === 0) throw bad(layerName, `has no inputs for call ${node}`);
    return inbound.map((ref) => {
      if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw bad(layerName, 'has a malformed input reference');
      return [ref[0], typeof ref[1] === 'number' ? ref[1] : 0];
    });
  };
  // Output shape of one call, its inputs first: depth-first with a stack of its own (a chain of thousands of
  // layers must not overflow the grader's), in graph order.
  const shapeOf = (rootName: string, rootNode: number): number[] => {
    const stack: Array<{ name: string; node: number; expanded: boolean }> = [
      { name: rootName, node: rootNode, expanded: false },
    ];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; node: number; expanded: boolean };
      const id = `${top.name}#${top.node}`;
      if (shapes.has(id)) {
        stack.pop();
        continue;
      }
      const layer = byName.get(top.name);
      if (!layer) throw bad(top.name, 'is referenced but not defined');
      const className = String(layer.class_name);
      const cfg = (layer.config ?? {}) as Json;
      if (className === 'InputLayer') {
        const declared = (cfg.batch_input_shape ?? cfg.batchInputShape) as unknown;
        if (!Array.isArray(declared) || declared.length < 2) throw bad(top.name, 'has no input shape');
        record(
          top.name,
          className,
          id,
          declared.slice(1).map((d) => count(d, top.name, 'an input dimension')),
          0,
        );
        stack.pop();
        continue;
      }
      const refs = inboundOf(top.name, layer, top.node);
      if (!top.expanded) {
        top.expanded = true;
        visiting.add(id);
        for (const [name, node] of [...refs].reverse()) {
          const ref = `${name}#${node}`;
          if (visiting.has(ref)) throw bad(top.name, 'its inputs form a cycle');
          if (!shapes.has(ref)) stack.push({ name, node, expanded: false });
        }
        continue;
      }
      const inputs = refs.map(([name, node]) => shapes.get(`${name}#${node}`) as number[]);
      let [out, weights] = layerCost(className, cfg, top.name, inputs);
      if (counted.has(top.name)) weights = 0;
      visiting.delete(id);
      record(top.name, className, id, out, weights);
      stack.pop();
    }
    return shapes.get(`${rootName}#${rootNode}`) as number[];
  };

  const outputs = (config as { output_layers?: unknown } | undefined)?.output_layers;
  if (!Array.isArray(outputs) || outputs.length === 0)
    throw new TopologyError('the topology names no output layers; the grader cannot size it, so it is not rebuilt');
  // Every layer call is sized, not only those the outputs reach: modelFromJSON builds them all.
  for (const l of layers) {
    const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes.length : 0;
    for (let n = 0; n < Math.max(1, nodes); n++) shapeOf(String(l.name ?? (l.config as Json)?.name ?? ''), n);
  }
  for (const ref of outputs) if (Array.isArray(ref) && typeof ref[0] === 'string') shapeOf(ref[0], Number(ref[1]) || 0);
  const activationFloats = costs.reduce((s, c) => s + c.outputFloats, 0);
  const largestLayer = costs.reduce<LayerCost | undefined>(
    (big, c) => (!big || c.outputFloats > big.outputFloats ? c : big),
    undefined,
  );
  return { layers: costs, params, activationFloats, largestLayer };
}

/** Absolute bounds, whatever the reference: they keep the grader's process tree within 768 MB. */
export const CAPS = {
  /** ResNet-152 has 58–60 M parameters; 80 M float32 weights are 320 MB. */
  params: 80e6,
  /** Floats in one layer's output, per sample (ResNet-152's largest at 224 px: 0.8 M). */
  layerFloats: 8e6,
  /** Floats in all layer outputs, per sample (ResNet-152 at 224 px: about 78 M). */
  activationFloats: 256e6,
  /**
   * Floats of all layer outputs times the batch the grader runs the model with (the training net's
   * 64 on CPU: 3.3 M for the reference at 28 px). 16 M floats are 64 MB of activations, kept for the
   * backward pass; a GPU backend keeps them in GPU memory and gets 8 times as many.
   */
  heldFloats: 16e6,
} as const;

/** A case's reference is tiny (hundreds of parameters): below this many, the 4× bound is not applied. */
export const PARAMS_FLOOR = 100_000;
/** How much bigger than the reference a submission's model may be (other conventions add a few layers). */
export const REFERENCE_FACTOR = 4;

export interface Budget {
  params: number;
  layerFloats: number;
  activationFloats: number;
  heldFloats: number;
  /** How many samples the grader pushes through the model at once (0: it is never run). */
  samples: number;
  /** Where the parameter bound comes from, for the message. */
  basis: string;
}

/** What the grader knows of the reference per build key and per target function (expected.json). */
export interface ReferenceSizes {
  /** Reference parameter count (largest accepted convention) of the case a key builds. */
  byKey: Map<string, number>;
  /** Largest reference parameter count among a target function's cases. */
  byTarget: Map<string, number>;
  targetOf: Map<string, string>;
  samplesOf: Map<string, number>;
  /** Running on a GPU backend: activations live in GPU memory. */
  gpu: boolean;
}

// The reference's canonical total (conv bias and a projection's BN not counted: see canonical.ts).
/** A params case's reference count: its one reference, or the largest of its accepted conventions. */
const largestConvention = (k: object): number => {
  const c = k as { reference?: { total: number }; conventions?: ReadonlyArray<{ total: number }> };
  return Math.max(0, c.reference?.total ?? 0, ...(c.conventions ?? []).map((x) => x.total));
};

/** Reference sizes from the expected data of every check: `byTarget` from the params checks' cases. */
export function referenceSizes(
  checks: ReadonlyArray<{ target: string; expected: CheckExpectation | undefined }>,
  gpu = false,
): ReferenceSizes {
  const byTarget = new Map<string, number>();
  for (const { target, expected } of checks) {
    if (expected?.kind !== 'block-params' && expected?.kind !== 'net-params') continue;
    for (const k of expected.cases) byTarget.set(target, Math.max(byTarget.get(target) ?? 0, largestConvention(k)));
  }
  return { byKey: new Map(), byTarget, targetOf: new Map(), samplesOf: new Map(), gpu };
}

/** How many samples a check pushes through its models at once: a training batch, the identity check's 2, none for networks. */
function samplesFor(expected: CheckExpectation, profile: TrainingProfileName): number {
  if (expected.kind === 'training') return expected.profiles[profile].batchSize;
  return expected.kind.startsWith('net') ? 0 : 2;
}

/**
 * Record the build keys of one check (its items, in the order of its cases): their target, how many
 * samples the grader runs them with, and, for a params check, each case's reference count.
 */
export function noteCases(
  sizes: ReferenceSizes,
  target: string,
  expected: CheckExpectation,
  keys: readonly string[],
  profile: TrainingProfileName,
): void {
  const samples = samplesFor(expected, profile);
  for (const [i, key] of keys.entries()) {
    sizes.targetOf.set(key, target);
    sizes.samplesOf.set(key, Math.max(sizes.samplesOf.get(key) ?? 0, samples));
    const k = expected.kind === 'block-params' || expected.kind === 'net-params' ? expected.cases[i] : undefined;
    if (k) sizes.byKey.set(key, largestConvention(k));
  }
}

/** The bound for one build key: 4× the reference's parameters (that case's, else its function's largest), capped. */
export function budgetFor(key: string, sizes: ReferenceSizes): Budget {
  const own = sizes.byKey.get(key);
  const target = sizes.targetOf.get(key) ?? key.split('|')[0] ?? key;
  const reference = own ?? sizes.byTarget.get(target);
  const scaled = reference === undefined ? CAPS.params : Math.max(PARAMS_FLOOR, REFERENCE_FACTOR * reference);
  const params = Math.min(CAPS.params, scaled);
  const basis =
    params === CAPS.params
      ? `the grader's cap of ${fmt(CAPS.params)}`
      : scaled === PARAMS_FLOOR
        ? `the grader's allowance of ${fmt(PARAMS_FLOOR)} for small cases`
        : `${REFERENCE_FACTOR}× the reference's ${fmt(reference ?? 0)}${own === undefined ? ` (the largest ${target} case)` : ''}`;
  return {
    params,
    layerFloats: CAPS.layerFloats,
    activationFloats: CAPS.activationFloats,
    heldFloats: CAPS.heldFloats * (sizes.gpu ? 8 : 1),
    samples: sizes.samplesOf.get(key) ?? 1,
    basis,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Why a topology is over its budget (found vs allowed), or undefined when it is within it. */
export function overBudget(cost: TopologyCost, budget: Budget): string | undefined {
  const too = (what: string) => `the model is too large to grade: ${what}; the grader does not rebuild it`;
  if (cost.params > budget.params)
    return too(`${fmt(cost.params)} parameters, allowed ${fmt(budget.params)} (${budget.basis})`);
  const big = cost.largestLayer;
  if (big && big.outputFloats > budget.layerFloats)
    return too(
      `layer '${big.name}' (${big.className}) outputs [${big.output.join(',')}] = ${fmt(big.outputFloats)} floats per sample, allowed ${fmt(budget.layerFloats)}`,
    );
  if (cost.activationFloats > budget.activationFloats)
    return too(
      `its layers output ${fmt(cost.activationFloats)} floats per sample, allowed ${fmt(budget.activationFloats)}`,
    );
  const held = cost.activationFloats * budget.samples;
  if (held > budget.heldFloats)
    return too(
      `its layers output ${fmt(cost.activationFloats)} floats per sample, ${fmt(held)} for the ${budget.samples} samples the grader runs at once, allowed ${fmt(budget.heldFloats)}`,
    );
  return undefined;
}

/** Validate a topology, size it and throw TopologyError (found vs allowed) when it is over `budget`. */
export function checkBudget(json: unknown, budget: Budget): TopologyCost {
  const cost = topologyCost(validateTopology(json));
  const why = overBudget(cost, budget);
  if (why) throw new TopologyError(why);
  return cost;
}
