// Reading the child's topology into one flat functional graph, before anything else touches it.
//
// Threat model: the topology is JSON from the sandboxed child (at most 20 MB), and the child is the
// adversary: it can send it by hand instead of TF.js's toJSON. What it can aim at here:
//   - the grader's stack: JSON nested thousands of levels deep overflows any recursive walk (zod, the
//     initializer rewrite, TF.js's own config conversion and deserialisation). An iterative pass bounds the
//     JSON's depth first; every walk after it recurses at most that deep.
//   - the grader's memory and time through nested models: a tf.sequential or tf.model inside a model is a
//     TF.js built-in (students write residual branches and whole blocks that way), and applied k times it
//     stands for k copies of its layer calls, so a few kilobytes nested a few levels, each applied many
//     times, would be millions of calls once flattened. The calls are counted, multiplied out level by level
//     and capped, before the flattening makes any of them.
//   - TF.js's deserialiser: a reference to a node that does not exist makes tf.models.modelFromJSON loop
//     forever in the grader's process (it re-queues the call waiting for that node), and a cycle does too.
//     Every reference is checked here, and the calls are ordered so that a cycle is found, not looped on.
// What comes out is a functional model of plain layers only (nested models replaced by their layers, shared
// where the student shared them: a nested model applied twice is one set of layers called twice), with
// unique names and references TF.js can rebuild; topology.ts then checks every layer class against its list.
import { z } from 'zod';

/** Bounds on what the grader reads; each refusal names the bound and what was found. */
export const TOPOLOGY_LIMITS = {
  /** Levels of JSON objects and arrays. A flat model's topology is 8 deep; each model nested in another adds 3. */
  jsonDepth: 64,
  /** Models inside models (a block as a tf.model inside a stage as a tf.model inside the network is 2). */
  nesting: 8,
  /** Layer entries written in the topology, at every level together. */
  layers: 5000,
  /**
   * Layer calls once every nested model is replaced by its layers. ResNet-152 makes 510 to 562 in the
   * published conventions (assignments/resnet/instructor/variants.ts); TF.js's own rebuild recurses along
   * the graph and overflows the stack on a chain of 5,000 (3,000 rebuilds).
   */
  calls: 2000,
  /** Inputs of one layer call (an addition of its branch and its shortcut has 2). */
  inputsPerCall: 64,
  /** Characters of a layer's name. */
  name: 200,
} as const;

type Json = Record<string, unknown>;
/** [layer name, node index, tensor index, call kwargs], as TF.js writes a call's inputs. */
export type FlatRef = [string, number, number, Json];

export interface FlatLayer {
  name: string;
  class_name: string;
  config: Json;
  inbound_nodes: FlatRef[][];
}

export interface FlatTopology {
  class_name: 'Model';
  config: {
    name: string;
    layers: FlatLayer[];
    input_layers: Array<[string, number, number]>;
    output_layers: Array<[string, number, number]>;
  };
}

/** How the student grouped layers: what the report names as a convention. */
export interface Nesting {
  /** tf.sequential models applied as layers (or the whole network as one). */
  sequential: number;
  /** Functional tf.model models applied as layers. */
  model: number;
}

/** A topology the grader refuses, with a one-line, student-facing reason. */
export class TopologyError extends Error {
  override name = 'TopologyError';
}

const CONTAINERS = new Set(['Sequential', 'Model', 'Functional']);
const isContainer = (className: string) => CONTAINERS.has(className);
const fail = (why: string): never => {
  throw new TopologyError(why);
};
const refused = (why: string) => fail(`the model's topology cannot be graded: ${why}; the grader does not rebuild it`);

/**
 * The depth of a JSON value and how many layer entries it holds, without recursion: a value nested deeper
 * than `jsonDepth` is refused as soon as the walk reaches that depth.
 */
function boundJson(json: unknown): void {
  const stack: Array<[unknown, number]> = [[json, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    if (depth > TOPOLOGY_LIMITS.jsonDepth)
      refused(
        `it is nested more than ${TOPOLOGY_LIMITS.jsonDepth} levels deep (models inside models are accepted up to ${TOPOLOGY_LIMITS.nesting} deep)`,
      );
    for (const v of Array.isArray(value) ? value : Object.values(value)) stack.push([v, depth + 1]);
  }
}

const Ref = z.tuple([z.string(), z.number().int().min(0), z.number().int().min(0)]).rest(z.unknown());
const LayerEntry = z.looseObject({
  class_name: z.string().max(100),
  name: z.string().max(TOPOLOGY_LIMITS.name).optional(),
  config: z.record(z.string(), z.unknown()),
  inbound_nodes: z.array(z.array(Ref).max(TOPOLOGY_LIMITS.inputsPerCall)).max(TOPOLOGY_LIMITS.calls).optional(),
});
type LayerEntry = z.infer<typeof LayerEntry>;
const Layers = z.array(LayerEntry).min(1).max(TOPOLOGY_LIMITS.layers);
const FunctionalConfig = z.looseObject({
  name: z.string().optional(),
  layers: Layers,
  input_layers: z.array(Ref).min(1).max(TOPOLOGY_LIMITS.inputsPerCall),
  output_layers: z.array(Ref).min(1).max(TOPOLOGY_LIMITS.inputsPerCall),
});
const SequentialConfig = z.looseObject({ name: z.string().optional(), layers: Layers });

type Container =
  | { kind: 'functional'; name: string; config: z.infer<typeof FunctionalConfig> }
  | { kind: 'sequential'; name: string; config: z.infer<typeof SequentialConfig> };

const nameOf = (entry: { name?: string; config: Json }) => {
  const n = entry.name ?? entry.config.name;
  return typeof n === 'string' ? n : '';
};

/** A container entry's config, read at its own level only (what it nests is read when it is reached). */
function readContainer(className: string, entry: { name?: string; config: unknown }, where: string): Container {
  const functional = className !== 'Sequential';
  const parsed = (functional ? FunctionalConfig : SequentialConfig).safeParse(entry.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refused(
      `${where} is not a TF.js ${functional ? 'functional model' : 'tf.sequential'} (${issue ? `${issue.path.join('.') || 'config'}: ${issue.message}` : 'invalid'})`,
    );
  }
  const name = entry.name ?? (parsed.data.name as string | undefined) ?? '';
  return functional
    ? { kind: 'functional', name, config: parsed.data as z.infer<typeof FunctionalConfig> }
    : { kind: 'sequential', name, config: parsed.data };
}

const show = (name: string) => JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);

/**
 * Read every container level iteratively and bound the nesting, the layer entries and the calls they make
 * once flattened (a nested model's calls times its own calls, summed level by level, capped on the way).
 */
function boundModels(top: Container): Map<LayerEntry, Container> {
  const containers = new Map<LayerEntry, Container>();
  const order: Array<{ container: Container; level: number }> = [];
  const stack: Array<{ container: Container; level: number }> = [{ container: top, level: 0 }];
  let entries = 0;
  while (stack.length > 0) {
    const item = stack.pop() as { container: Container; level: number };
    order.push(item);
    entries += item.container.config.layers.length;
    if (entries > TOPOLOGY_LIMITS.layers)
      refused(`its models hold more than ${TOPOLOGY_LIMITS.layers.toLocaleString('en-US')} layers`);
    for (const entry of item.container.config.layers) {
      if (!isContainer(entry.class_name)) continue;
      if (item.level + 1 > TOPOLOGY_LIMITS.nesting)
        refused(
          `models are nested more than ${TOPOLOGY_LIMITS.nesting} deep (layer ${show(nameOf(entry))} is a ${entry.class_name} at depth ${item.level + 1})`,
        );
      const inner = readContainer(entry.class_name, entry, `layer ${show(nameOf(entry))}`);
      containers.set(entry, inner);
      stack.push({ container: inner, level: item.level + 1 });
    }
  }
  // Calls once flattened, innermost containers first (the walk above lists every container after its parent).
  const cap = TOPOLOGY_LIMITS.calls + 1;
  const callsOf = new Map<Container, number>();
  for (const { container } of order.reverse()) {
    let calls = 0;
    for (const entry of container.config.layers) {
      if (entry.class_name === 'InputLayer') continue;
      // An entry never called still costs a look on every call of its model: it counts once.
      const times = container.kind === 'sequential' ? 1 : Math.max(1, entry.inbound_nodes?.length ?? 0);
      const inner = containers.get(entry);
      calls = Math.min(cap, calls + times * (inner ? (callsOf.get(inner) ?? 0) : 1));
    }
    callsOf.set(container, calls);
  }
  const total = callsOf.get(top) ?? 0;
  if (total > TOPOLOGY_LIMITS.calls)
    refused(
      `its nested models, each applied as often as it is, make more than ${TOPOLOGY_LIMITS.calls.toLocaleString('en-US')} layer calls (ResNet-152 makes 510 to 562)`,
    );
  return containers;
}

/** Config keys that only give a layer its own input (the first layer of a tf.sequential): not a flat layer's. */
const INPUT_KEYS = ['batch_input_shape', 'batchInputShape', 'input_shape', 'inputShape', 'batch_size', 'batchSize'];

/** Only a call's `training` flag is kept (it changes what BN and dropout compute); anything else is dropped. */
function kwargsOf(ref: readonly unknown[]): Json {
  const k = ref[3];
  if (k && typeof k === 'object' && !Array.isArray(k) && typeof (k as Json).training === 'boolean')
    return { training: (k as Json).training };
  return {};
}

interface State {
  layers: FlatLayer[];
  byName: Map<string, FlatLayer>;
  /** The flat layer each written entry became (a nested model's layers are shared by all its calls). */
  flatOf: Map<LayerEntry, FlatLayer>;
  containers: Map<LayerEntry, Container>;
  nested: Nesting;
  counted: Set<LayerEntry>;
}

/** A flat name for an entry: its own when free, else prefixed with its model's, else numbered. */
function flatLayer(st: State, entry: LayerEntry, prefix: string, input: boolean): FlatLayer {
  const known = st.flatOf.get(entry);
  if (known) return known;
  const own = nameOf(entry) || entry.class_name.toLowerCase();
  let name = st.byName.has(own) ? `${prefix}/${own}` : own;
  for (let n = 2; st.byName.has(name); n++) name = `${prefix}/${own}_${n}`;
  const config: Json = { ...entry.config, name };
  if (!input) for (const key of INPUT_KEYS) delete config[key];
  const layer: FlatLayer = { name, class_name: entry.class_name, config, inbound_nodes: [] };
  st.layers.push(layer);
  st.byName.set(name, layer);
  st.flatOf.set(entry, layer);
  return layer;
}

/** Call a plain layer on flat inputs: one more node of its flat layer. */
function callLayer(layer: FlatLayer, inputs: FlatRef[]): FlatRef[] {
  layer.inbound_nodes.push(inputs);
  return [[layer.name, layer.inbound_nodes.length - 1, 0, {}]];
}

function noteNesting(st: State, entry: LayerEntry, container: Container): void {
  if (st.counted.has(entry)) return;
  st.counted.add(entry);
  st.nested[container.kind === 'sequential' ? 'sequential' : 'model']++;
}

/** Call a (nested) container on flat inputs, or, for the top level, on its own input layers (`inputs` undefined). */
function callContainer(st: State, container: Container, prefix: string, inputs: FlatRef[] | undefined): FlatRef[] {
  return container.kind === 'sequential'
    ? callSequential(st, container, prefix, inputs)
    : callFunctional(st, container, prefix, inputs);
}

function callSequential(
  st: State,
  seq: Extract<Container, { kind: 'sequential' }>,
  prefix: string,
  inputs: FlatRef[] | undefined,
): FlatRef[] {
  const entries = seq.config.layers;
  const first = entries[0] as LayerEntry;
  let current: FlatRef;
  let start = 0;
  if (first.class_name === 'InputLayer') start = 1;
  if (inputs) {
    if (inputs.length !== 1)
      refused(`tf.sequential ${show(seq.name)} is applied to ${inputs.length} tensors; a tf.sequential takes one`);
    current = inputs[0] as FlatRef;
  } else {
    // The whole network as a tf.sequential: its input is what its first layer declares.
    const shape = firstInputShape(st, seq);
    const input = flatLayer(
      st,
      {
        class_name: 'InputLayer',
        name: 'input',
        config: { batch_input_shape: shape, dtype: 'float32', name: 'input' },
      },
      prefix,
      true,
    );
    current = [input.name, 0, 0, {}];
  }
  for (const entry of entries.slice(start)) {
    if (entry.class_name === 'InputLayer')
      refused(`tf.sequential ${show(seq.name)} has an input layer after its first layer`);
    const inner = st.containers.get(entry);
    let out: FlatRef[];
    if (inner) {
      noteNesting(st, entry, inner);
      out = callContainer(st, inner, flatPrefix(prefix, inner.name), [current]);
    } else out = callLayer(flatLayer(st, entry, prefix, false), [current]);
    if (out.length !== 1)
      refused(
        `layer ${show(nameOf(entry))} in tf.sequential ${show(seq.name)} has ${out.length} outputs; each takes one`,
      );
    current = out[0] as FlatRef;
  }
  return [current];
}

/** What the first layer of a top-level tf.sequential declares as its input shape (batch included). */
function firstInputShape(st: State, seq: Extract<Container, { kind: 'sequential' }>): unknown[] {
  let container: Container = seq;
  for (let level = 0; level <= TOPOLOGY_LIMITS.nesting; level++) {
    const first = container.config.layers[0] as LayerEntry;
    if (container.kind === 'functional') {
      const [name] = container.config.input_layers[0] as [string, ...unknown[]];
      const input = container.config.layers.find((l) => nameOf(l) === name);
      const shape = input?.config.batch_input_shape;
      if (Array.isArray(shape)) return shape;
      break;
    }
    const shape = first.config.batch_input_shape ?? first.config.batchInputShape;
    if (Array.isArray(shape)) return shape;
    const inner = st.containers.get(first);
    if (!inner) break;
    container = inner;
  }
  return refused(
    `the tf.sequential's first layer declares no inputShape (give it one: tf.layers.conv2d({ inputShape: [96, 96, 1], ... }))`,
  );
}

const flatPrefix = (prefix: string, name: string) => (prefix ? `${prefix}/${name}` : name);

function callFunctional(
  st: State,
  model: Extract<Container, { kind: 'functional' }>,
  prefix: string,
  inputs: FlatRef[] | undefined,
): FlatRef[] {
  const { layers, input_layers: inputLayers, output_layers: outputLayers } = model.config;
  const byName = new Map<string, LayerEntry>();
  for (const entry of layers) {
    const name = nameOf(entry);
    if (byName.has(name)) refused(`model ${show(model.name)} has two layers named ${show(name)}`);
    byName.set(name, entry);
  }
  if (inputs && inputs.length !== inputLayers.length)
    refused(`model ${show(model.name)} takes ${inputLayers.length} inputs but is applied to ${inputs.length}`);
  // What each input layer stands for: the caller's tensor, or (at the top level) a flat input layer.
  const bound = new Map<LayerEntry, FlatRef>();
  for (const [i, ref] of inputLayers.entries()) {
    const entry = byName.get(ref[0]);
    if (entry?.class_name !== 'InputLayer' || !entry)
      return refused(
        `model ${show(model.name)} lists ${show(ref[0])} as an input, which is not one of its input layers`,
      );
    bound.set(entry, inputs ? (inputs[i] as FlatRef) : [flatLayer(st, entry, prefix, true).name, 0, 0, {}]);
  }
  // Each call (an entry and the index of its node) waits for the calls it reads; ordered, so a cycle is found.
  type Call = { entry: LayerEntry; node: number; refs: unknown[][]; waiting: number; out?: FlatRef[] };
  const calls = new Map<string, Call>();
  const key = (entry: LayerEntry, node: number) => `${nameOf(entry)}#${node}`;
  for (const entry of layers) {
    if (entry.class_name === 'InputLayer') {
      if (!bound.has(entry))
        refused(`input layer ${show(nameOf(entry))} of model ${show(model.name)} is not one of the model's inputs`);
      continue;
    }
    for (const [node, refs] of (entry.inbound_nodes ?? []).entries())
      calls.set(key(entry, node), { entry, node, refs, waiting: 0 });
  }
  /** The call a reference reads, or the bound input; every index checked (TF.js would loop forever on a bad one). */
  const target = (ref: unknown[], from: string): { call: Call; tensor: number } | { input: FlatRef } => {
    const [name, node, tensor] = ref as [string, number, number];
    const entry = byName.get(name);
    if (!entry) return refused(`layer ${show(from)} reads layer ${show(name)}, which is not defined`);
    const input = bound.get(entry);
    if (input) {
      if (node !== 0 || tensor !== 0) refused(`layer ${show(from)} reads output ${node}:${tensor} of an input layer`);
      return { input };
    }
    // A model applied as a layer has a node of its own first (TF.js numbers its calls from 1).
    const call = calls.get(key(entry, node - (isContainer(entry.class_name) ? 1 : 0)));
    const inner = st.containers.get(entry);
    const outputs = inner?.kind === 'functional' ? inner.config.output_layers.length : 1;
    if (!call || tensor >= outputs)
      return refused(
        `layer ${show(from)} reads call ${node}, output ${tensor} of layer ${show(name)}, which does not exist`,
      );
    return { call, tensor };
  };
  const readers = new Map<Call, Call[]>();
  const ready: Call[] = [];
  for (const call of calls.values()) {
    if (call.refs.length === 0) refused(`layer ${show(nameOf(call.entry))} has a call without inputs`);
    for (const ref of call.refs) {
      const t = target(ref, nameOf(call.entry));
      if ('call' in t) {
        call.waiting++;
        const list = readers.get(t.call);
        if (list) list.push(call);
        else readers.set(t.call, [call]);
      }
    }
    if (call.waiting === 0) ready.push(call);
  }
  const resolve = (ref: unknown[], from: string): FlatRef => {
    const t = target(ref, from);
    const out = 'input' in t ? t.input : (t.call.out?.[t.tensor] as FlatRef);
    return [out[0], out[1], out[2], kwargsOf(ref)];
  };
  let done = 0;
  for (let next = 0; next < ready.length; next++) {
    const call = ready[next] as Call;
    const name = nameOf(call.entry);
    const flatInputs = call.refs.map((ref) => resolve(ref, name));
    const inner = st.containers.get(call.entry);
    if (inner) {
      noteNesting(st, call.entry, inner);
      call.out = callContainer(st, inner, flatPrefix(prefix, inner.name || name), flatInputs);
    } else call.out = callLayer(flatLayer(st, call.entry, prefix, false), flatInputs);
    done++;
    for (const reader of readers.get(call) ?? []) if (--reader.waiting === 0) ready.push(reader);
  }
  if (done < calls.size) refused(`the inputs of model ${show(model.name)}'s layers form a cycle`);
  return outputLayers.map((ref) => resolve(ref, `${model.name} (its output)`));
}

/**
 * The child's topology as one flat functional model, with what nesting the student used. Throws
 * TopologyError with one line when a bound is passed or a reference does not hold.
 */
export function flattenTopology(json: unknown): { topology: FlatTopology; nested: Nesting } {
  boundJson(json);
  const top = z.looseObject({ class_name: z.string(), config: z.unknown() }).safeParse(json);
  if (!top.success) return refused('it is not a TF.js model (no class_name and config)');
  const className = top.data.class_name;
  if (!isContainer(className))
    return refused(`it is a ${JSON.stringify(className.slice(0, 40))}, not a TF.js model (tf.model or tf.sequential)`);
  const container = readContainer(className, { config: top.data.config }, 'the model');
  const st: State = {
    layers: [],
    byName: new Map(),
    flatOf: new Map(),
    containers: boundModels(container),
    nested: { sequential: className === 'Sequential' ? 1 : 0, model: 0 },
    counted: new Set(),
  };
  const outputs = callContainer(st, container, container.name || 'model', undefined);
  const inputs = st.layers
    .filter((l) => l.class_name === 'InputLayer')
    .map((l) => [l.name, 0, 0] as [string, number, number]);
  return {
    topology: {
      class_name: 'Model',
      config: {
        name: container.name || 'model',
        layers: st.layers,
        input_layers: inputs,
        output_layers: outputs.map((r) => [r[0], r[1], r[2]]),
      },
    },
    nested: st.nested,
  };
}
