import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTraining, unregisterWasmTraining } from './index.ts';

type Pad = 'same' | 'valid';
interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  co: number;
  k: number;
  s: number;
  pad: Pad;
}

// Deterministic values in [-1, 1) so that a failure reproduces.
function values(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = (state >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

function outSize(size: number, k: number, s: number, pad: Pad): number {
  return pad === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

/** Both gradients of one convolution, run as kernels on the current backend. */
function gradients(cs: Case): { y: Float32Array; fused: Float32Array; dx: Float32Array; dw: Float32Array } {
  const oh = outSize(cs.h, cs.k, cs.s, cs.pad);
  const ow = outSize(cs.w, cs.k, cs.s, cs.pad);
  return tf.tidy(() => {
    const x = tf.tensor4d(values(cs.n * cs.h * cs.w * cs.c, 1), [cs.n, cs.h, cs.w, cs.c]);
    const filter = tf.tensor4d(values(cs.k * cs.k * cs.c * cs.co, 2), [cs.k, cs.k, cs.c, cs.co]);
    const dy = tf.tensor4d(values(cs.n * oh * ow * cs.co, 3), [cs.n, oh, ow, cs.co]);
    const attrs = { strides: [cs.s, cs.s], pad: cs.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    const engine = tf.engine();
    const dx = engine.runKernel('Conv2DBackpropInput', { dy, filter }, {
      ...attrs,
      inputShape: x.shape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dw = engine.runKernel('Conv2DBackpropFilter', { x, dy }, {
      ...attrs,
      filterShape: filter.shape,
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const y = tf.conv2d(x, filter, cs.s, cs.pad);
    const bias = tf.tensor1d(values(cs.co, 5));
    const fused = tf.fused.conv2d({ x, filter, strides: cs.s, pad: cs.pad, bias, activation: 'relu' });
    const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
    return { y: read(y), fused: read(fused), dx: read(dx), dw: read(dw) };
  });
}

/** max |a−b| over max |b|: the error relative to the gradient's scale. */
function relError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  a.forEach((v, i) => {
    const want = b[i] ?? Number.NaN;
    diff = Math.max(diff, Math.abs(v - want));
    scale = Math.max(scale, Math.abs(want));
  });
  return diff / Math.max(scale, 1e-30);
}

const GRID: Case[] = [];
for (const k of [1, 3, 7]) {
  for (const s of [1, 2]) {
    for (const pad of ['same', 'valid'] as Pad[]) {
      GRID.push({ n: 2, h: 11, w: 9, c: 3, co: 5, k, s, pad }); // odd sizes
      GRID.push({ n: 1, h: 8, w: 8, c: 1, co: 4, k, s, pad }); // batch 1, one channel (the stem)
      GRID.push({ n: 1, h: 9, w: 10, c: 6, co: 5, k, s, pad }); // more than 4 channels: dx by polyphase
    }
  }
}
// Wide layers on a small plane: ResNet-18's last stage and its shortcut.
GRID.push({ n: 1, h: 4, w: 4, c: 128, co: 512, k: 3, s: 2, pad: 'same' });
GRID.push({ n: 1, h: 3, w: 3, c: 512, co: 256, k: 3, s: 1, pad: 'same' });
GRID.push({ n: 2, h: 4, w: 4, c: 256, co: 512, k: 1, s: 2, pad: 'same' });
GRID.push({ n: 1, h: 5, w: 5, c: 64, co: 64, k: 1, s: 2, pad: 'valid' }); // 1×1/2 whose dy overshoots
// Planes smaller than the kernel: most taps meet only padding and are skipped.
GRID.push({ n: 3, h: 1, w: 1, c: 32, co: 16, k: 3, s: 1, pad: 'same' });
GRID.push({ n: 2, h: 2, w: 2, c: 16, co: 32, k: 3, s: 2, pad: 'same' });
GRID.push({ n: 2, h: 2, w: 3, c: 2, co: 3, k: 7, s: 2, pad: 'same' });

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
