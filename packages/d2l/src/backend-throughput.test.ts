import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.ts';
import { trainingThroughput } from './backend-throughput.ts';

function tinyNet(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1] });
  const conv = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(input);
  const bn = tf.layers.batchNormalization().apply(conv);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(tf.layers.reLU().apply(bn));
  const out = tf.layers
    .dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
    .apply(pooled);
  return tf.model({ inputs: input, outputs: out as tf.SymbolicTensor });
}

describe('trainingThroughput', () => {
  it('runs real SGD steps on the active backend and reports a rate', async () => {
    await useBackend('cpu');
    const model = tinyNet();
    const before = model.getWeights()[0]!.dataSync().slice();
    const tensorsBefore = tf.memory().numTensors;
    const got = await trainingThroughput(model, { batchSize: 4, steps: 3, warmup: 1 });
    expect(got.losses).toHaveLength(3);
    expect(got.losses.every(Number.isFinite)).toBe(true);
    expect(got.imagesPerSec).toBeGreaterThan(0);
    expect(got.imagesPerSec).toBeCloseTo((4 * 3) / got.seconds, 6);
    const after = model.getWeights()[0]!.dataSync();
    expect(after.some((v, i) => v !== before[i])).toBe(true);
    // Inputs, labels and optimizer state are released; only the model's own tensors remain.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    model.dispose();
  });

  it('rejects a nonsensical budget in one line', async () => {
    await useBackend('cpu');
    const model = tinyNet();
    await expect(trainingThroughput(model, { batchSize: 0, steps: 1 })).rejects.toThrow(/^throughput needs batchSize/);
    model.dispose();
  });
});
