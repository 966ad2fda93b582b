// Sizing a topology from its configuration: the counts and shapes must be TF.js's own (checked against
// models built here), and the budget must refuse with found vs allowed before anything is allocated.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../topology.ts';
import { budgetFor, CAPS, checkBudget, noteCases, PARAMS_FLOOR, referenceSizes, topologyCost } from './cost.ts';

const ap = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor;

/** A model using every layer class the whitelist allows, with the configurations that change sizes. */
function everyLayer(): tf.LayersModel {
  const input = tf.input({ shape: [13, 11, 3] });
  const a = ap(tf.layers.conv2d({ filters: 8, kernelSize: [3, 5], strides: 2, padding: 'valid' }), input);
  const b = ap(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }), input);
  const c = ap(
    tf.layers.zeroPadding2d({
      padding: [
        [1, 0],
        [2, 1],
      ],
    }),
    ap(tf.layers.reLU(), a),
  );
  const d = ap(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }), b);
  const e = ap(tf.layers.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 3, padding: 'same' }), d);
  const f = ap(tf.layers.batchNormalization({ center: false }), e);
  const g = ap(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), f);
  const h = ap(tf.layers.averagePooling2d({ poolSize: 2 }), ap(tf.layers.conv2d({ filters: 5, kernelSize: 1 }), c));
  const shared = tf.layers.conv2d({ filters: 4, kernelSize: 1, dilationRate: 1 });
  const i = ap(tf.layers.concatenate(), [ap(shared, g), ap(shared, ap(tf.layers.leakyReLU(), ap(tf.layers.elu(), g)))]);
  const j = ap(tf.layers.add(), [ap(tf.layers.dropout({ rate: 0.1 }), i), ap(tf.layers.multiply(), [i, i])]);
  const k = ap(tf.layers.layerNormalization(), ap(tf.layers.dense({ units: 7 }), j));
  const pooled = ap(tf.layers.globalAveragePooling2d({}), k);
  const maxed = ap(tf.layers.globalMaxPooling2d({}), ap(tf.layers.activation({ activation: 'relu' }), k));
  const flat = ap(tf.layers.flatten(), ap(tf.layers.reshape({ targetShape: [15, 3] }), h));
  const out = ap(
    tf.layers.softmax(),
    ap(tf.layers.dense({ units: 3 }), ap(tf.layers.concatenate(), [pooled, maxed, flat])),
  );
  return tf.model({ inputs: input, outputs: out });
}

describe('topologyCost', () => {
  it('gives TF.js’s own parameter count and every layer’s output shape, from the JSON alone', async () => {
    const json = everyLayer().toJSON(null, false);
    const cost = topologyCost(json);
    // Compared with the model the grader would rebuild from that JSON (TF.js's toJSON drops a
    // SeparableConv2D's depth_multiplier, so the rebuilt model is what the budget must size).
    const model = await tf.models.modelFromJSON({ modelTopology: json as never });
    expect(cost.params).toBe(model.countParams());
    const shapes = new Map(model.layers.map((l) => [l.name, l.outputShape]));
    for (const layer of cost.layers) {
      const own = shapes.get(layer.name) as number[] | number[][];
      // The shared layer has two calls, of one shape.
      const tfShape = Array.isArray(own[0]) ? (own[0] as number[]) : (own as number[]);
      expect([layer.name, layer.output], layer.name).toEqual([layer.name, tfShape.slice(1)]);
    }
    // The shared 1×1 conv is called twice: two outputs, its weights counted once.
    expect(cost.layers.filter((l) => l.className === 'Conv2D' && l.output.at(-1) === 4)).toHaveLength(2);
    expect(cost.activationFloats).toBe(cost.layers.reduce((s, l) => s + l.outputFloats, 0));
    model.dispose();
  });

  it('refuses what it cannot size: an undefined input dimension, a cycle, an unknown reference', () => {
    const input = tf.input({ shape: [4] });
    const model = tf.model({ inputs: input, outputs: ap(tf.layers.dense({ units: 2 }), input) });
    const json = model.toJSON(null, false) as {
      config: { layers: Array<{ name: string; config: Record<string, unknown>; inbound_nodes: unknown }> };
    };
    const open = structuredClone(json);
    open.config.layers[0]!.config.batch_input_shape = [null, null];
    expect(() => topologyCost(open)).toThrow(/an input dimension is null/);
    const cycle = structuredClone(json);
    cycle.config.layers[1]!.inbound_nodes = [[[cycle.config.layers[1]!.name, 0, 0, {}]]];
    expect(() => topologyCost(cycle)).toThrow(/cycle/);
    const dangling = structuredClone(json);
    dangling.config.layers[1]!.inbound_nodes = [[['nowhere', 0, 0, {}]]];
    expect(() => topologyCost(dangling)).toThrow(/'nowhere': is referenced but not defined/);
    model.dispose();
  });
});

/** The issue's hand-made topology: three 10000×10000 dense layers, a few hundred bytes of JSON. */
function giant(units = 10_000) {
  const dense = (name: string, from: string) => ({
    name,
    class_name: 'Dense',
    config: { name, units },
    inbound_nodes: [[[from, 0, 0, {}]]],
  });
  return {
    class_name: 'Model',
    config: {
      name: 'giant',
      layers: [
        {
          name: 'x',
          class_name: 'InputLayer',
          config: { name: 'x', batch_input_shape: [null, units] },
          inbound_nodes: [],
        },
        dense('d1', 'x'),
        dense('d2', 'd1'),
        dense('d3', 'd2'),
      ],
      input_layers: [['x', 0, 0]],
      output_layers: [['d3', 0, 0]],
    },
  };
}

describe('budget', () => {
  const expected = {
    kind: 'block-params',
    cases: [
      { reference: { total: 243 }, conventions: [{ total: 243 }] },
      { reference: { total: 60_000 }, conventions: [{ total: 60_000 }] },
    ],
  } as never;
  const sizes = referenceSizes([{ target: 'bottleneck', expected }]);
  noteCases(sizes, 'bottleneck', expected, ['small', 'large'], 'cpu-small');
  noteCases(
    sizes,
    'bottleneck',
    { kind: 'training', profiles: { 'cpu-small': { batchSize: 64 } } } as never,
    ['train'],
    'cpu-small',
  );

  it('allows 4× the case’s reference, at least the small-case allowance, at most the absolute cap', () => {
    expect(budgetFor('small', sizes).params).toBe(PARAMS_FLOOR);
    expect(budgetFor('large', sizes).params).toBe(240_000);
    // A key without params data gets its function's largest case.
    expect(budgetFor('train', sizes)).toMatchObject({ params: 240_000, samples: 64 });
    const huge = referenceSizes([
      { target: 'net', expected: { kind: 'net-params', cases: [{ reference: { total: 58_369_802 } }] } as never },
    ]);
    expect(budgetFor('net|152', huge).params).toBe(CAPS.params);
  });

  it('refuses the giant topology before rebuilding it, with found vs allowed', () => {
    expect(() => checkBudget(giant(), budgetFor('large', sizes))).toThrow(TopologyError);
    expect(() => checkBudget(giant(), budgetFor('large', sizes))).toThrow(
      /too large to grade: 300,030,000 parameters, allowed 240,000 \(4× the reference's 60,000\)/,
    );
  });

  it('refuses activations over the caps: one huge layer, or too much for the batch the grader runs', () => {
    const input = tf.input({ shape: [8, 8, 4] });
    const padded = ap(tf.layers.zeroPadding2d({ padding: 1000 }), input);
    const wide = tf.model({ inputs: input, outputs: padded });
    expect(() => checkBudget(wide.toJSON(null, false), budgetFor('small', sizes))).toThrow(
      /layer '[^']+' \(ZeroPadding2D\) outputs \[2008,2008,4\] = 16,128,256 floats per sample, allowed 8,000,000/,
    );
    const tall = tf.model({ inputs: input, outputs: ap(tf.layers.zeroPadding2d({ padding: 300 }), input) });
    expect(() => checkBudget(tall.toJSON(null, false), budgetFor('train', sizes))).toThrow(
      /for the 64 samples the grader runs at once, allowed 16,000,000/,
    );
    expect(() => checkBudget(tall.toJSON(null, false), budgetFor('small', sizes))).not.toThrow();
  });
});
