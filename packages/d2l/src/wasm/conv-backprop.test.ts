import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONV_CASES as GRID, convResults as gradients, relError, values } from '../kernel-cases.ts';
import { registerWasmTraining, unregisterWasmTraining } from './index.ts';

describe('wasm convolution gradients', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmTraining();
  });
  afterAll(() => unregisterWasmTraining());

  it.each(GRID)('match the cpu backend: $n×$h×$w×$c → $co, k$k s$s $pad', async (cs) => {
    await tf.setBackend('cpu');
    const want = gradients(cs);
    await tf.setBackend('wasm');
    const got = gradients(cs);
    expect(relError(got.y, want.y)).toBeLessThan(1e-4);
    expect(relError(got.fused, want.fused)).toBeLessThan(1e-4);
    expect(relError(got.dx, want.dx)).toBeLessThan(1e-4);
    expect(relError(got.dw, want.dw)).toBeLessThan(1e-4);
  });

  it.each([
    { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1] }, // BatchNorm's gradient: leading axes repeat
    { shape: [1, 1, 1, 5], reps: [3, 4, 5, 1] }, // a count of rows that is not a power of two
    { shape: [2, 1, 1, 3], reps: [1, 2, 3, 1] }, // a broadcast inside: Fill + Add
    { shape: [2, 3], reps: [2, 3] }, // a real tiling: the stock kernel
  ])('tile $shape by $reps like the cpu backend', async ({ shape, reps }) => {
    const run = () =>
      tf.tidy(
        () =>
          tf
            .tile(
              tf.tensor(
                values(
                  shape.reduce((a, b) => a * b, 1),
                  4,
                ),
                shape,
              ),
              reps,
            )
            .dataSync() as Float32Array,
      );
    await tf.setBackend('cpu');
    const want = run();
    await tf.setBackend('wasm');
    expect(Array.from(run())).toEqual(Array.from(want));
  });

  it('free every intermediate: live tensors and wasm bytes stay flat over training steps', async () => {
    await tf.setBackend('wasm');
    const input = tf.input({ shape: [12, 12, 1] });
    let y = tf.layers
      .conv2d({ filters: 4, kernelSize: 7, strides: 2, padding: 'same' })
      .apply(input) as tf.SymbolicTensor;
    y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
    y = tf.layers
      .conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })
      .apply(y) as tf.SymbolicTensor;
    y = tf.layers.conv2d({ filters: 6, kernelSize: 1, padding: 'valid' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3 }).apply(y) as tf.SymbolicTensor });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'sparseCategoricalCrossentropy' });
    const xs = tf.tensor4d(values(4 * 12 * 12, 7), [4, 12, 12, 1]);
    const ys = tf.tensor1d([0, 1, 2, 1]);
    const step = async () => (await model.trainOnBatch(xs, ys)) as number;
    const first = await step();
    // Intermediates made inside a kernel never become engine tensors: count the backend's buffers too.
    const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const before = { ...tf.memory(), buffers: buffers() };
    let last = first;
    for (let i = 0; i < 4; i++) last = await step();
    const after = { ...tf.memory(), buffers: buffers() };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.buffers).toBe(before.buffers);
    expect(Number.isFinite(last)).toBe(true);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
