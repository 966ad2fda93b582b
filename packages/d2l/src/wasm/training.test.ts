import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWasmTraining, unregisterWasmTraining } from './index.ts';

/**
 * A small network with every kernel our wasm training path replaces: a 7×7/2 stem with bias, BatchNorm,
 * max pooling, a residual block with a strided 3×3 and a 1×1 projection, global pooling, a dense head.
 */
function model(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 1] });
  const conv = (filters: number, kernelSize: number, strides: number) =>
    tf.layers.conv2d({
      filters,
      kernelSize,
      strides,
      padding: 'same',
      kernelInitializer: 'glorotUniform',
      seed: 1,
    } as never);
  const bn = () => tf.layers.batchNormalization({ momentum: 0.9 });
  let x = conv(8, 7, 2).apply(input) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(bn().apply(x)) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  let y = tf.layers.reLU().apply(bn().apply(conv(16, 3, 2).apply(x))) as tf.SymbolicTensor;
  y = bn().apply(conv(16, 3, 1).apply(y)) as tf.SymbolicTensor;
  const shortcut = conv(16, 1, 2).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(tf.layers.add().apply([y, shortcut])) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(x) as tf.SymbolicTensor });
}

/** Losses of 4 SGD steps from fixed weights, then every weight (BN moving statistics included). */
function train(): { losses: number[]; weights: Float32Array[] } {
  const net = model();
  // Fixed weights; gammas and moving variances around 1 (a negative variance would be NaN).
  const aroundOne = (name: string) => /gamma|variance/.test(name);
  net.setWeights(
    net.weights.map((v, i) =>
      tf.tensor(
        Float32Array.from(
          { length: v.shape.reduce((a: number, b) => a * (b as number), 1) },
          (_, j) => (aroundOne(v.name) ? 1 : 0) + Math.sin(i * 7 + j * 0.37) * 0.1,
        ),
        v.shape as number[],
      ),
    ),
  );
  const xs = tf.tensor4d(
    Float32Array.from({ length: 6 * 16 * 16 }, (_, j) => Math.cos(j * 0.013) + (j % 7) * 0.1),
    [6, 16, 16, 1],
  );
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32'), 10);
  const optimizer = tf.train.sgd(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 4; step++) {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, net.apply(xs, { training: true }) as tf.Tensor),
      true,
    ) as tf.Tensor;
    losses.push(loss.dataSync()[0] as number);
    loss.dispose();
  }
  const weights = net.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([xs, ys]);
  net.dispose();
  return { losses, weights };
}

describe('training on wasm', () => {
  afterAll(() => unregisterWasmTraining());

  it('gives the cpu backend’s losses and weights after 4 steps (within 1e-4)', async () => {
    await tf.setBackend('cpu');
    const want = train();
    await tf.setBackend('wasm');
    registerWasmTraining();
    const got = train();
    for (const [i, loss] of got.losses.entries()) expect(loss).toBeCloseTo(want.losses[i] as number, 4);
    for (const [i, w] of got.weights.entries()) {
      const ref = want.weights[i] as Float32Array;
      const scale = Math.max(1e-6, ...ref.map(Math.abs));
      const err = Math.max(...w.map((v, j) => Math.abs(v - (ref[j] as number))));
      expect(err / scale).toBeLessThan(1e-4);
    }
  });
});
