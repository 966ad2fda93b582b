// The only thing a submission can hand the grader: a Keras-style model topology. It is validated here
// (built-in layer classes only) and rebuilt with TF.js in the grader's own process, where every check runs.

import { mulberry32, zeroView } from '@course/d2l';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { flattenTopology, type Nesting, TopologyError } from './flat-topology.ts';

export { type Nesting, TopologyError } from './flat-topology.ts';

/** TF.js built-in layers a residual network can reasonably use; anything else (a custom class) is refused. */
export const ALLOWED_LAYERS = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'BatchNormalization',
  'LayerNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
  'Add',
  'Concatenate',
  'Multiply',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Dense',
  'Flatten',
  'Reshape',
  'ZeroPadding2D',
  'Dropout',
] as const;

const LayerJson = z.looseObject({
  class_name: z.string(),
  name: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
  inbound_nodes: z.array(z.unknown()).optional(),
});

const ModelJson = z.looseObject({
  class_name: z.enum(['Model', 'Functional']),
  config: z.looseObject({ layers: z.array(LayerJson).min(1).max(5000) }),
});

/** A name the child chose, cut short for a message (the report escapes what it holds). */
const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 60)}…` : s);

/**
 * Read a topology from the child: bounded on the raw JSON, nested models (tf.sequential, tf.model applied as
 * layers) replaced by their layers (flat-topology.ts), every layer class checked against the list. Throws
 * TopologyError with a one-line, student-facing reason.
 */
export function readTopology(json: unknown): { topology: z.infer<typeof ModelJson>; nested: Nesting } {
  const flat = flattenTopology(json);
  const parsed = ModelJson.safeParse(flat.topology);
  if (!parsed.success)
    throw new TopologyError(
      `the returned model's topology is not a TF.js functional model (${parsed.error.issues[0]?.message ?? 'invalid'})`,
    );
  for (const layer of parsed.data.config.layers) {
    if (!(ALLOWED_LAYERS as readonly string[]).includes(layer.class_name)) {
      throw new TopologyError(
        `layer '${clip(layer.name ?? '?')}' has class '${clip(layer.class_name)}', which is not a TF.js built-in layer the grader accepts; build the block from tf.layers.* (and tf.sequential or tf.model of them) only`,
      );
    }
  }
  return { topology: parsed.data, nested: flat.nested };
}

/** The flat, validated topology (readTopology without the nesting it read). */
export function validateTopology(json: unknown): z.infer<typeof ModelJson> {
  return readTopology(json).topology;
}

/**
 * Zeros that cost nothing: every weight a rebuild creates views one shared zero buffer (TF.js's CPU
 * backends keep the array they are given; the onednn backend copies it on a read and never reuses it).
 * ResNet-152's 60 M weights otherwise cost 240 MB and the time to clear them, only to be counted and
 * freed; the checks that use weights set them all first (`seedWeights`), which gives each its own array.
 * Other backends copy the zeros into their own memory, as they did with TF.js's Zeros.
 */
const Zeros = tf.initializers.zeros().constructor as new () => {
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor;
};
class SharedZeros extends Zeros {
  static className = 'GraderSharedZeros';
  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (dtype !== undefined && dtype !== 'float32') return tf.zeros(shape, dtype);
    return tf.tensor(zeroView(shape.reduce((a, b) => a * b, 1)), shape, 'float32');
  }
}
tf.serialization.registerClass(
  SharedZeros as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/**
 * Replace every initializer with shared zeros: random initialisation of ResNet-152 costs seconds, and the
 * checks either need no weights (shapes, counts, structure) or set them all with `seedWeights`.
 */
function zeroInitializers<T>(value: T): T {
  if (Array.isArray(value)) return value.map(zeroInitializers) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      key.endsWith('_initializer') && v !== null
        ? { class_name: SharedZeros.className, config: {} }
        : zeroInitializers(v);
  }
  return out as T;
}

/** Rebuild a model from its validated topology, with fresh weights (set them with `seedWeights`). */
export async function rebuildModel(json: unknown): Promise<tf.LayersModel> {
  const topology = zeroInitializers(validateTopology(json));
  try {
    return await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  } catch (err) {
    const text = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 200);
    throw new TopologyError(`the returned model cannot be rebuilt from its topology (${text})`);
  }
}

/**
 * Set every weight from a seeded generator (Glorot-uniform kernels, zero biases, BN at identity), so a
 * grade never depends on TF.js's global random state or on the order layers were created in.
 */
export function seedWeights(model: tf.LayersModel, seed: number): void {
  const rand = mulberry32(seed);
  for (const layer of model.layers) {
    const values = layer.getWeights().map((w, i) => {
      const name = layer.weights[i]?.originalName ?? '';
      const size = w.size;
      const data = new Float32Array(size);
      if (/gamma$|moving_variance$/.test(name)) data.fill(1);
      else if (/(kernel|embeddings)$/.test(name) && w.shape.length >= 2) {
        const receptive = w.shape.slice(0, -2).reduce((a, b) => a * b, 1);
        const fanIn = (w.shape.at(-2) ?? 1) * receptive;
        const fanOut = (w.shape.at(-1) ?? 1) * receptive;
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        for (let k = 0; k < size; k++) data[k] = (rand() * 2 - 1) * limit;
      }
      return tf.tensor(data, w.shape);
    });
    if (values.length > 0) layer.setWeights(values);
    for (const v of values) v.dispose();
  }
}

/** Free a rebuilt model's weights. */
export function disposeModel(model: tf.LayersModel): void {
  try {
    model.dispose();
  } catch {
    // Already disposed (a layer shared by two cached models): nothing left to free.
  }
}
