import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from './model-io.ts';

function smallNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: 'relu' }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5 }),
    ],
  });
}

async function roundTrip(backend: string): Promise<void> {
  await tf.setBackend(backend);
  const dir = mkdtempSync(join(tmpdir(), `d2l-model-${backend}-`));
  const model = smallNet();
  // Non-default BN statistics, so the round trip must carry non-trainable weights too.
  const bn = model.layers[1]!;
  bn.setWeights(bn.getWeights().map((w, i) => tf.fill(w.shape, i + 0.5)));
  const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 42);
  const before = (model.predict(x) as tf.Tensor).dataSync();
  await saveModel(model, join(dir, 'net'));
  expect(readdirSync(join(dir, 'net')).sort()).toEqual(['model.json', 'weights.bin']);
  const loaded = await loadModel(join(dir, 'net'));
  const after = (loaded.predict(x) as tf.Tensor).dataSync();
  expect(Array.from(after)).toEqual(Array.from(before));
  expect(loaded.countParams()).toBe(model.countParams());
}

describe('saveModel / loadModel', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('round-trips to identical outputs on the cpu backend', () => roundTrip('cpu'));
  it('round-trips to identical outputs on the wasm backend', () => roundTrip('wasm'));

  it('explains a missing folder, broken JSON and short weights', async () => {
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'd2l-model-bad-'));
    await expect(loadModel(join(dir, 'none'))).rejects.toThrow(/no model.json in .*none; save a model there first/);
    await saveModel(smallNet(), dir);
    const weights = readFileSync(join(dir, 'weights.bin'));
    writeFileSync(join(dir, 'weights.bin'), weights.subarray(0, 12));
    await expect(loadModel(dir)).rejects.toThrow(/hold 12 bytes but model.json describes \d+/);
    writeFileSync(join(dir, 'model.json'), '{"model');
    await expect(loadModel(dir)).rejects.toThrow(/model.json is not valid JSON/);
  });
});
