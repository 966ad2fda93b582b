// Nested models are TF.js built-ins: a tf.sequential or a tf.model applied as a layer is read as the layers
// inside it, computing what the student's model computes, with shared weights kept shared. What a hostile
// child could hand the grader instead (JSON thousands of levels deep, nested models multiplying their calls,
// references TF.js would loop on) is refused with one line, before anything walks it recursively.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from './analysis/canonical.ts';
import { topologyCost } from './analysis/cost.ts';
import { summarize } from './analysis/graph.ts';
import { TOPOLOGY_LIMITS } from './flat-topology.ts';
import { readTopology, rebuildModel, TopologyError } from './topology.ts';

type T = tf.SymbolicTensor;
const ap = (layer: { apply(x: T | T[]): unknown }, x: T | T[]) => layer.apply(x) as T;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A residual block as its own functional model: conv → BN → ReLU → conv, plus x, then ReLU. */
function blockModel(shape: number[], name?: string): tf.LayersModel {
  const x = tf.input({ shape });
  const c = shape.at(-1) as number;
  const y = ap(
    tf.layers.reLU(),
    ap(tf.layers.batchNormalization(), ap(tf.layers.conv2d({ filters: c, kernelSize: 3, padding: 'same' }), x)),
  );
  const z = ap(tf.layers.conv2d({ filters: c, kernelSize: 3, padding: 'same' }), y);
  return tf.model({ inputs: x, outputs: ap(tf.layers.reLU(), ap(tf.layers.add(), [z, x])), name });
}

/** A network using both idioms: a tf.sequential branch, and one block model applied twice (shared weights). */
function nestedNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 4] });
  const branch = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 4], filters: 4, kernelSize: 3, padding: 'same' }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
    ],
  });
  const first = ap(tf.layers.reLU(), ap(tf.layers.add(), [ap(branch, input), input]));
  const block = blockModel([8, 8, 4]);
  const out = ap(block, ap(block, first));
  return tf.model({
    inputs: input,
    outputs: ap(tf.layers.dense({ units: 3 }), ap(tf.layers.globalAveragePooling2d({}), out)),
  });
}

/** Set every weight of `model` from a seeded sequence, by the variable's own name. */
function fill(model: tf.LayersModel, values: Map<string, tf.Tensor>): void {
  for (const w of model.weights) {
    const known = values.get(w.originalName);
    const v = known ?? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', values.size + 1);
    values.set(w.originalName, v);
    w.write(v);
  }
}

describe('nested models', () => {
  it('flattens a tf.sequential branch and a block model applied twice into one graph that computes the same', async () => {
    const live = nestedNet();
    const { topology, nested } = readTopology(live.toJSON(null, false));
    expect(nested).toEqual({ sequential: 1, model: 1 });
    expect(topology.config.layers.map((l) => l.class_name)).not.toContain('Sequential');
    const flat = await rebuildModel(topology);
    // The block model applied twice is one set of weights: the same count as the student's model.
    expect(flat.countParams()).toBe(live.countParams());
    expect(topologyCost(topology).params).toBe(live.countParams());
    const values = new Map<string, tf.Tensor>();
    fill(live, values);
    fill(flat, values);
    const x = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 7);
    const a = (live.predict(x) as tf.Tensor).arraySync() as number[][];
    const b = (flat.predict(x) as tf.Tensor).arraySync() as number[][];
    for (const [i, row] of a.entries()) for (const [j, v] of row.entries()) expect(b[i]?.[j]).toBeCloseTo(v, 4);
    // The canonical graph sees three blocks (the second and third share the block model's weights).
    const g = canonicalize(flat);
    expect(g.nodes.filter((n) => n.kind === 'Add')).toHaveLength(3);
    expect('error' in g.segments ? g.segments.error : g.segments.blocks.length).toBe(3);
    expect(summarize(flat, nested).conventions.nested).toEqual({ sequential: 1, model: 1 });
  });

  it('accepts the whole network as a tf.sequential of layers and block models', async () => {
    const seq = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same' }),
        blockModel([8, 8, 4]),
        blockModel([8, 8, 4]),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const { topology, nested } = readTopology(seq.toJSON(null, false));
    expect(nested).toEqual({ sequential: 1, model: 2 });
    const flat = await rebuildModel(topology);
    expect(flat.countParams()).toBe(seq.countParams());
    expect(flat.outputs[0]?.shape).toEqual([null, 2]);
    const g = canonicalize(flat);
    expect('error' in g.segments ? g.segments.error : g.segments.blocks.length).toBe(2);
  });

  it('keeps names unique when a nested model reuses one of its parent’s layer names', async () => {
    const x = tf.input({ shape: [4] });
    const inner = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 4, name: 'fc' })] });
    const y = ap(tf.layers.dense({ units: 4, name: 'fc' }), ap(inner, x));
    const { topology } = readTopology(tf.model({ inputs: x, outputs: y }).toJSON(null, false));
    const names = topology.config.layers.map((l) => l.name);
    expect(new Set(names).size).toBe(names.length);
    expect((await rebuildModel(topology)).countParams()).toBe(40);
  });
});

/** A model JSON whose only layer is `inner` applied to its input `times` times in a row. */
function wrap(inner: object, times: number, name: string): object {
  const calls = Array.from({ length: times }, (_, i) => [[i === 0 ? `${name}_in` : `${name}_m`, i, 0, {}]]);
  return {
    class_name: 'Model',
    config: {
      name,
      layers: [
        {
          name: `${name}_in`,
          class_name: 'InputLayer',
          config: { name: `${name}_in`, batch_input_shape: [null, 4] },
          inbound_nodes: [],
        },
        { ...(inner as Record<string, unknown>), name: `${name}_m`, inbound_nodes: calls },
      ],
      input_layers: [[`${name}_in`, 0, 0]],
      output_layers: [[`${name}_m`, times, 0]],
    },
  };
}

const relu = { name: 'r', class_name: 'ReLU', config: { name: 'r' }, inbound_nodes: [[['x', 0, 0, {}]]] };
const leaf = {
  class_name: 'Model',
  config: {
    name: 'leaf',
    layers: [
      { name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_input_shape: [null, 4] }, inbound_nodes: [] },
      relu,
    ],
    input_layers: [['x', 0, 0]],
    output_layers: [['r', 0, 0]],
  },
};

/** `levels` models, each applying the one inside it `times` times. */
function nest(levels: number, times: number): object {
  let model: object = leaf;
  for (let i = 0; i < levels; i++) model = wrap(model, times, `level${i}`);
  return model;
}

describe('what the grader refuses before any recursive walk', () => {
  const refusal = (json: unknown) => {
    try {
      readTopology(json);
    } catch (err) {
      expect(err).toBeInstanceOf(TopologyError);
      const message = (err as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      return message;
    }
    throw new Error('not refused');
  };

  it('a topology nested 100,000 levels deep, with one line and no stack overflow', () => {
    // Written as text and parsed (V8's JSON.parse does not recurse), as the child's reply is.
    const depth = 100_000;
    const text = `${'{"class_name":"Sequential","config":{"layers":['.repeat(depth)}{"class_name":"ReLU","config":{}}${']}}'.repeat(depth)}`;
    expect(refusal(JSON.parse(text))).toMatch(/nested more than 64 levels deep/);
  });

  it('models nested past the bound, and the bound itself', async () => {
    expect(refusal(nest(TOPOLOGY_LIMITS.nesting + 1, 1))).toMatch(/models are nested more than 8 deep/);
    const { topology, nested } = readTopology(nest(TOPOLOGY_LIMITS.nesting, 1));
    expect(nested).toEqual({ sequential: 0, model: TOPOLOGY_LIMITS.nesting });
    expect(topology.config.layers.map((l) => l.class_name)).toEqual(['InputLayer', 'ReLU']);
    expect((await rebuildModel(topology)).outputs[0]?.shape).toEqual([null, 4]);
  });

  it('nested models whose calls multiply past the bound (a few kilobytes of JSON)', () => {
    // 4 calls at each of 6 levels: 4,096 calls of one ReLU.
    const json = nest(6, 4);
    expect(JSON.stringify(json).length).toBeLessThan(5000);
    expect(refusal(json)).toMatch(/make more than 2,000 layer calls/);
    // 4 × 4 × 4 = 64 calls flatten into one ReLU layer called 64 times.
    const { topology } = readTopology(nest(3, 4));
    expect(topology.config.layers.find((l) => l.class_name === 'ReLU')?.inbound_nodes).toHaveLength(64);
  });

  it('a chain as long as the bound allows rebuilds without overflowing TF.js’s recursion', async () => {
    const n = TOPOLOGY_LIMITS.calls;
    const layers = [
      {
        name: 'x',
        class_name: 'InputLayer',
        config: { name: 'x', batch_input_shape: [null, 4] } as Record<string, unknown>,
        inbound_nodes: [] as unknown[],
      },
    ];
    for (let i = 0; i < n; i++)
      layers.push({
        name: `r${i}`,
        class_name: 'ReLU',
        config: { name: `r${i}` },
        inbound_nodes: [[[i ? `r${i - 1}` : 'x', 0, 0, {}]]],
      });
    const chain = (length: number) => ({
      class_name: 'Model',
      config: {
        name: 'chain',
        layers: layers.slice(0, length + 1),
        input_layers: [['x', 0, 0]],
        output_layers: [[`r${length - 1}`, 0, 0]],
      },
    });
    const { topology } = readTopology(chain(n));
    expect(topologyCost(topology).layers).toHaveLength(n + 1);
    const model = await rebuildModel(topology);
    expect(canonicalize(model).nodes).toHaveLength(n + 1);
    model.dispose();
    layers.push({
      name: `r${n}`,
      class_name: 'ReLU',
      config: { name: `r${n}` },
      inbound_nodes: [[[`r${n - 1}`, 0, 0, {}]]],
    });
    expect(refusal(chain(n + 1))).toMatch(/more than 2,000 layer calls/);
  });

  it('references TF.js would wait on forever, cycles, and calls of a model that never happened', () => {
    const dense = { name: 'd', class_name: 'Dense', config: { name: 'd', units: 2 } };
    const input = {
      name: 'x',
      class_name: 'InputLayer',
      config: { name: 'x', batch_input_shape: [null, 4] },
      inbound_nodes: [],
    };
    const model = (layers: object[], output: [string, number, number] = ['d', 0, 0]) => ({
      class_name: 'Model',
      config: { name: 'm', layers, input_layers: [['x', 0, 0]], output_layers: [output] },
    });
    // tf.models.modelFromJSON loops forever on this one (it re-queues the call, waiting for node 5 of x).
    expect(refusal(model([input, { ...dense, inbound_nodes: [[['x', 5, 0, {}]]] }]))).toMatch(
      /output 5:0 of an input layer/,
    );
    expect(refusal(model([input, { ...dense, inbound_nodes: [[['d', 0, 0, {}]]] }]))).toMatch(/form a cycle/);
    expect(refusal(model([input, { ...dense, inbound_nodes: [[['nowhere', 0, 0, {}]]] }]))).toMatch(
      /'?"nowhere"'?, which is not defined/,
    );
    // A nested model's calls are numbered from 1: node 0 is its own, not a call.
    const applied = { ...leaf, name: 'leaf', inbound_nodes: [[['x', 0, 0, {}]]] };
    expect(refusal(model([input, applied], ['leaf', 0, 0]))).toMatch(
      /call 0, output 0 of layer "leaf", which does not exist/,
    );
    expect(readTopology(model([input, applied], ['leaf', 1, 0])).topology.config.layers).toHaveLength(2);
    expect(refusal({ class_name: 'Backdoor', config: {} })).toMatch(/not a TF\.js model/);
    expect(refusal('{"class_name":"Model"}')).toMatch(/not a TF\.js model/);
  });

  it('a custom layer class inside a nested model, as anywhere else', () => {
    const inner = structuredClone(leaf) as { config: { layers: Array<{ class_name: string }> } };
    (inner.config.layers[1] as { class_name: string }).class_name = 'Backdoor';
    expect(refusal(wrap(inner, 1, 'outer'))).toMatch(/class 'Backdoor', which is not a TF\.js built-in layer/);
  });
});
