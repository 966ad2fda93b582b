import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatLayerShapes, formatSummary, layerShapes, summary } from './summary.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// conv 3×3 (1→4) + BN + residual add + pool + dense: small, but every counting rule shows.
function tinyNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1], name: 'img' });
  const conv = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv' })
    .apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv) as tf.SymbolicTensor;
  const skip = tf.layers
    .conv2d({ filters: 4, kernelSize: 1, strides: 1, name: 'skip' })
    .apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'add' }).apply([bn, skip]) as tf.SymbolicTensor;
  const pool = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(sum) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(pool) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, name: 'dense' }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe('summary', () => {
  it('counts trainable and non-trainable (BN moving statistics) parameters per layer', () => {
    const model = tinyNet();
    const s = summary(model);
    const conv = 3 * 3 * 1 * 4 + 4;
    const bnTrainable = 4 * 2;
    const skip = 1 * 4 + 4;
    const dense = 4 * 4 * 4 * 10 + 10;
    expect(s.trainableParams).toBe(conv + bnTrainable + skip + dense);
    expect(s.nonTrainableParams).toBe(8);
    expect(s.totalParams).toBe(model.countParams());
    expect(s.rows.find((r) => r.name === 'bn')).toEqual({
      name: 'bn',
      className: 'BatchNormalization',
      outputShape: [null, 8, 8, 4],
      params: 16,
    });
    const text = formatSummary(s);
    expect(text).toMatch(/dense \(Dense\)\s+\[null, 10\]\s+650/);
    expect(text).toContain(`Trainable params: ${(conv + bnTrainable + skip + dense).toLocaleString('en-US')}`);
    expect(text).toContain('Non-trainable params: 8');
  });

  it('lists layer output shapes for any input size without running the model', () => {
    const shapes = layerShapes(tinyNet());
    expect(shapes.map((r) => r.shape)).toEqual([
      [1, 8, 8, 1],
      [1, 8, 8, 4],
      [1, 8, 8, 4],
      [1, 8, 8, 4],
      [1, 8, 8, 4],
      [1, 4, 4, 4],
      [1, 64],
      [1, 10],
    ]);
    const nested = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [16, 16, 1],
          filters: 2,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          name: 'c',
        }),
        tf.layers.globalAveragePooling2d({ name: 'gap' }),
      ],
    });
    const listed = formatLayerShapes(layerShapes(nested, [4, 224, 224, 1]));
    expect(listed).toBe('c output shape:   [4, 112, 112, 2]\ngap output shape: [4, 2]');
  });
});
