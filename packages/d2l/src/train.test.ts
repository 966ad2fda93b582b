import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnimator } from './animator.ts';
import { loadDataFashionMnist } from './fashion-mnist.ts';
import { forbidSyncReads } from './sync-reads.ts';
import { type EpochStats, trainCh6 } from './train.ts';

// The loop, the accuracy and the Animator must run on webgpu, which has no synchronous read under Node:
// every synchronous read throws here too.
let allowSyncReads: () => void;
beforeAll(async () => {
  await tf.setBackend('cpu');
  allowSyncReads = forbidSyncReads();
});
afterAll(() => allowSyncReads());

// The learning test uses a dense net with BatchNorm (cheapest on cpu); the convnet runs a few small batches.
function smallMlp(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

function tinyConvNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, strides: 2, activation: 'relu' }),
      tf.layers.batchNormalization(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

const quietAnimator = () =>
  createAnimator({ legend: ['train loss', 'train acc', 'test acc'], stream: { write: () => true, isTTY: false } });

describe('trainCh6', () => {
  it('lowers the loss of a small net on the embedded subset and reports the book lines', async () => {
    const { train, test } = await loadDataFashionMnist({ batchSize: 100, subset: 'embedded', seed: 1 });
    const model = smallMlp();
    const bn = model.layers[2]!;
    const batchLosses: number[] = [];
    const result = await trainCh6(model, train, test, {
      numEpochs: 2,
      lr: 0.3,
      quiet: true,
      onBatch: (_e, _b, _n, loss) => batchLosses.push(loss),
    });
    expect(batchLosses).toHaveLength(40);
    const early = batchLosses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const late = batchLosses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(early).toBeGreaterThan(1.5);
    expect(late).toBeLessThan(early * 0.6);
    const [e1, e2] = result.history as [EpochStats, EpochStats];
    expect(e2.trainLoss).toBeLessThan(e1.trainLoss);
    expect(e2.testAcc).toBeGreaterThan(0.5);
    // BatchNorm ran in training mode: its moving mean left zero.
    expect(Math.abs((await bn.getWeights()[2]!.data())[0]!)).toBeGreaterThan(0);
    expect(result.lines[0]).toBe(
      `loss ${e2.trainLoss.toFixed(3)}, train acc ${e2.trainAcc.toFixed(3)}, test acc ${e2.testAcc.toFixed(3)}`,
    );
    expect(result.lines[1]).toMatch(/^\d+\.\d examples\/sec on cpu$/);
    expect(result.animator.series().map((s) => s.points.length)).toEqual([10, 10, 2]);
  });

  it('leaks no tensors across epochs and is deterministic under a seed', async () => {
    const run = async () => {
      const { train, test } = await loadDataFashionMnist({ batchSize: 20, subset: { train: 100, test: 20 }, seed: 5 });
      const model = tinyConvNet();
      const counts: number[] = [];
      const seen: string[] = [];
      const before = tf.memory().numTensors;
      const result = await trainCh6(model, train, test, {
        numEpochs: 3,
        lr: 0.1,
        seed: 9,
        quiet: true,
        maxBatchesPerEpoch: 3,
        animator: quietAnimator(),
        onEpoch: () => counts.push(tf.memory().numTensors),
        onBatch: (epoch, batch, numBatches) => seen.push(`${epoch}.${batch}/${numBatches}`),
      });
      expect(seen).toEqual(['1.1/3', '1.2/3', '1.3/3', '2.1/3', '2.2/3', '2.3/3', '3.1/3', '3.2/3', '3.3/3']);
      expect(counts[1]).toBe(counts[0]);
      expect(counts[2]).toBe(counts[0]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      return result.history.map(({ seconds: _, ...rest }) => rest);
    };
    expect(await run()).toEqual(await run());
  });

  it('rejects bad options with one line', async () => {
    const { train, test } = await loadDataFashionMnist({ batchSize: 50, subset: 'embedded' });
    const model = smallMlp();
    await expect(trainCh6(model, train, test, { numEpochs: 0, lr: 0.1 })).rejects.toThrow(
      /numEpochs must be a positive integer/,
    );
    await expect(trainCh6(model, train, test, { numEpochs: 1, lr: -1 })).rejects.toThrow(
      /lr must be a positive number/,
    );
    const backend = { name: 'wasm' as const, device: 'cpu (wasm)', gpu: false, skipped: [] };
    await expect(trainCh6(model, train, test, { numEpochs: 1, lr: 0.1, backend })).rejects.toThrow(
      /call useBackend\('wasm'\) first/,
    );
    model.dispose();
  });
});
