import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataIter } from '../fashion-mnist.ts';
import { trainCh6 } from '../train.ts';
import { dataParallelTrainer } from './data-parallel.ts';
import { registerWasmTraining } from './index.ts';
import { parallelSteps } from './parallel-steps.ts';

// No BatchNorm: replicas normalise with their own shard's statistics, so equality holds without it.
function smallNet(): tf.LayersModel {
  const input = tf.input({ shape: [10, 10, 1] });
  let y = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(input);
  y = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(y);
  y = tf.layers.globalAveragePooling2d({}).apply(y);
  const out = tf.layers.dense({ units: 3 }).apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function batch(seed: number, n: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * 100).map((_, i) => Math.sin(seed * 7.1 + i * 0.37));
  const y = new Float32Array(n * 3);
  for (let r = 0; r < n; r++) y[r * 3 + ((r + seed) % 3)] = 1;
  return { x, y };
}

/** 3 batches of 4 deterministic images; labels from the batch index. */
function iter(seed: number): DataIter {
  return {
    size: 12,
    batchSize: 4,
    numBatches: 3,
    *batches() {
      for (let b = 0; b < 3; b++) {
        const { x } = batch(seed + b, 4);
        yield { x: tf.tensor4d(x, [4, 10, 10, 1]), y: tf.tensor1d([0, 1, 2, b % 3], 'int32') };
      }
    },
  };
}

describe('data-parallel training over worker threads', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmTraining();
  });
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => close?.());

  it('gives the weights and losses of single-worker training, up to float rounding', async () => {
    const model = smallNet();
    const initial = model.getWeights().map((w) => w.dataSync().slice());
    const trainer = await dataParallelTrainer(model, { workers: 2, learningRate: 0.1 });
    close = () => trainer.close();
    const optimizer = tf.train.sgd(0.1);
    const steps = 3;
    const n = 7; // odd: shards of 3 and 4 rows, averaged by size
    for (let s = 0; s < steps; s++) {
      const { x, y } = batch(s, n);
      const { loss: parallelLoss, correct } = await trainer.step(x.slice(), y.slice(), n);
      const loss = tf.tidy(() => {
        const xs = tf.tensor4d(x, [n, 10, 10, 1]);
        const ys = tf.tensor2d(y, [n, 3]);
        const hits = tf.sum(tf.equal(tf.argMax(model.apply(xs) as tf.Tensor, -1), tf.argMax(ys, -1)));
        expect(correct).toBe(hits.dataSync()[0]);
        return optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor),
          true,
        ) as tf.Scalar;
      });
      expect(parallelLoss).toBeCloseTo(loss.dataSync()[0] as number, 5);
      loss.dispose();
    }
    const got = await trainer.weights();
    const want = model.getWeights().map((w) => w.dataSync());
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => {
      const w = want[i] as Float32Array | Int32Array | Uint8Array;
      let diff = 0;
      let scale = 0;
      g.forEach((v, j) => {
        diff = Math.max(diff, Math.abs(v - (w[j] as number)));
        scale = Math.max(scale, Math.abs(w[j] as number));
      });
      expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1));
    });
    // The replicas really trained: the first kernel moved away from its start.
    const moved = (got[0] as Float32Array).some(
      (v, j) => Math.abs(v - ((initial[0] as Float32Array)[j] as number)) > 1e-4,
    );
    expect(moved).toBe(true);
    model.dispose();
  });

  it('steps d2l batches (integer labels) and syncs the weights back into the model', async () => {
    const model = smallNet();
    const twin = smallNet();
    twin.setWeights(model.getWeights());
    const steps = await parallelSteps(model, 2, 0.1);
    try {
      const { x } = batch(5, 6);
      const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
      const [loss, correct] = await steps.step({ x: tf.tensor4d(x, [6, 10, 10, 1]), y: labels });
      await steps.sync();
      const want = tf.tidy(() => {
        const oneHot = tf.oneHot(labels, 3);
        const xs = tf.tensor4d(x, [6, 10, 10, 1]);
        const hits = tf.sum(tf.equal(tf.argMax(twin.apply(xs) as tf.Tensor, -1), labels)).dataSync()[0];
        const l = tf.train
          .sgd(0.1)
          .minimize(() => tf.losses.softmaxCrossEntropy(oneHot, twin.apply(xs) as tf.Tensor), true);
        return { loss: l?.dataSync()[0], hits };
      });
      expect(loss).toBeCloseTo(want.loss as number, 5);
      expect(correct).toBe(want.hits);
      const a = model.getWeights()[0]?.dataSync() as Float32Array;
      const b = twin.getWeights()[0]?.dataSync() as Float32Array;
      const diff = a.reduce((m, v, j) => Math.max(m, Math.abs(v - (b[j] as number))), 0);
      expect(diff).toBeLessThan(1e-5);
    } finally {
      await steps.close();
    }
  });

  it('trainCh6({ workers: 2 }) trains like the in-process loop and leaves the weights in the model', async () => {
    const opts = { numEpochs: 2, lr: 0.1, quiet: true, seed: 3 };
    const single = smallNet();
    const parallel = smallNet();
    const a = await trainCh6(single, iter(1), iter(9), opts);
    const b = await trainCh6(parallel, iter(1), iter(9), { ...opts, workers: 2 });
    b.history.forEach((epoch, i) => {
      expect(epoch.trainLoss).toBeCloseTo(a.history[i]?.trainLoss as number, 4);
      expect(epoch.testAcc).toBe(a.history[i]?.testAcc);
    });
    const want = single.getWeights().map((w) => w.dataSync());
    parallel.getWeights().forEach((w, i) => {
      const got = w.dataSync() as Float32Array;
      const diff = got.reduce((m, v, j) => Math.max(m, Math.abs(v - ((want[i] as Float32Array)[j] as number))), 0);
      expect(diff).toBeLessThan(1e-4);
    });
  });

  it('rejects a bad worker count with a one-line hint', async () => {
    await expect(dataParallelTrainer(smallNet(), { workers: 0, learningRate: 0.1 })).rejects.toThrow(
      /positive integer/,
    );
  });
});
