// The onednn backend against the cpu backend (the reference): every kernel it replaces, a small
// network trained 4 steps, tensor and buffer bookkeeping. Skipped, with the reason printed, where
// the addon is not built (no libdnnl or no compiler at install).
import { loadOnednn, type OnednnAddon } from '@course/onednn';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend.ts';
import { CONV_CASES, convResults, relError, trainSmallNet, values } from '../kernel-cases.ts';
import { pooled } from './pool.ts';

const load = loadOnednn();
if (!load.ok) console.warn(`onednn tests skipped: ${load.reason}`);

/** Run `f` on cpu, then on onednn: [reference, ours]. */
async function both<T>(f: () => T | Promise<T>): Promise<[T, T]> {
  await tf.setBackend('cpu');
  const want = await f();
  await tf.setBackend('onednn');
  return [want, await f()];
}

describe.skipIf(!load.ok)('onednn backend', () => {
  beforeAll(async () => {
    const info = await useBackend('onednn');
    expect(info.device).toMatch(/^cpu \(oneDNN \d+\.\d+\.\d+, \w+, \d+ threads?\)$/);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // Layouts: by plane size (the default), NHWC throughout, blocked throughout.
  const LAYOUTS = ['', 'none', 'fdw'];
  const grid = LAYOUTS.flatMap((layout) => CONV_CASES.map((cs) => ({ ...cs, layout })));
  it.each(grid)(
    'convolution, fused, dx, dw equal cpu: $n×$h×$w×$c → $co, k$k s$s $pad, layout "$layout"',
    async (cs) => {
      const addon = (load as { addon: OnednnAddon }).addon;
      addon.setBlocked(cs.layout);
      const [want, got] = await both(() => convResults(cs)).finally(() => addon.setBlocked(''));
      expect(relError(got.y, want.y)).toBeLessThan(1e-4);
      expect(relError(got.fused, want.fused)).toBeLessThan(1e-4);
      expect(relError(got.dx, want.dx)).toBeLessThan(1e-4);
      expect(relError(got.dw, want.dw)).toBeLessThan(1e-4);
    },
  );

  // BN(x) and the gradients of Σ w·BN(x). `moments`: statistics from tf.moments of x, as Keras trains
  // (the closed-form gradient); otherwise statistics that are inputs of their own (partial gradients).
  const BN = [
    { shape: [4, 5, 6, 8], moments: true },
    { shape: [2, 3, 3, 1], moments: true },
    { shape: [6, 7], moments: true },
    { shape: [32, 9, 9, 64], moments: true }, // large enough for the native element-wise passes
    { shape: [4, 5, 6, 8], moments: false },
  ];
  it.each(BN)('BatchNorm y, dx, dγ, dβ (and dμ, dσ²) equal cpu: $shape, moments $moments', async (c) => {
    const run = () =>
      tf.tidy(() => {
        const n = c.shape.reduce((a, b) => a * b, 1);
        const ch = c.shape.at(-1) as number;
        const x = tf.tensor(values(n, 1), c.shape).add(0.5);
        const gamma = tf.tensor1d(values(ch, 2)).add(1);
        const beta = tf.tensor1d(values(ch, 3));
        const w = tf.tensor(values(n, 4), c.shape);
        const axes = c.shape.slice(0, -1).map((_, i) => i);
        const fixed = tf.moments(tf.tensor(values(n, 5), c.shape), axes);
        const stats = (a: tf.Tensor) => (c.moments ? tf.moments(a, axes) : fixed);
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => {
          const s = c.moments ? stats(a) : { mean: m, variance: v };
          return tf.sum(tf.mul(w, tf.batchNorm(a, s.mean, s.variance, b, g, 1e-3)));
        };
        const { mean, variance } = stats(x);
        const y = tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
        const own = [x, gamma, beta];
        const args = c.moments ? own : [...own, fixed.mean, fixed.variance.add(0.5)];
        const g = (...ts: tf.Tensor[]) =>
          f(ts[0] as tf.Tensor, ts[1] as tf.Tensor, ts[2] as tf.Tensor, ts[3] ?? fixed.mean, ts[4] ?? fixed.variance);
        return [y, ...tf.grads(g)(args)].map((t) => t.dataSync() as Float32Array);
      });
    const [want, got] = await both(run);
    expect(got).toHaveLength(want.length);
    for (const [j, g] of got.entries()) expect(relError(g, want[j] as Float32Array)).toBeLessThan(1e-4);
  });

  it('BatchNorm in training takes the closed-form gradient: one kernel, moments ops add no full-size pass', async () => {
    await tf.setBackend('onednn');
    const x = tf.tensor(values(2 * 8 * 8 * 16, 1), [2, 8, 8, 16]);
    const gamma = tf.ones([16]);
    const beta = tf.zeros([16]);
    const f = (a: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.sum(tf.batchNorm(a, mean, variance, beta, gamma, 1e-3).square());
    };
    const profile = await tf.profile(() => tf.grad(f)(x));
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'D2lOnednnBatchNormGrad')).toHaveLength(1);
    // The moments' own gradients (Mean's broadcast, Square's 2x·dy, Sub's negated sum) would be full-size
    // Multiply/Tile/Neg kernels: with exact zeros flowing into them they are skipped.
    expect(names).not.toContain('Tile');
    expect(names).not.toContain('Neg');
    tf.dispose([x, gamma, beta]);
  });

  // Training's BatchNorm: x − mean and its square (tf.moments) are never written, the variance is one pass
  // over x; ReLU of BatchNorm (plus a residual shortcut) is the BatchNorm's own pass. All of it read out
  // (here, after the gradient) equals the cpu backend's.
  it('defers the moments intermediates and a BatchNorm output that a ReLU takes whole; reads give cpu’s values', async () => {
    const shape = [8, 12, 12, 32];
    const n = shape.reduce((a, b) => a * b, 1);
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor(values(n, 21), shape);
        const shortcut = tf.tensor(values(n, 22), shape);
        const w = tf.tensor(values(n, 23), shape);
        const gamma = tf.tensor1d(values(32, 24)).add(1);
        const beta = tf.tensor1d(values(32, 25));
        const block = (a: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          return tf.relu(tf.batchNorm(a, mean, variance, beta, gamma, 1e-3).add(shortcut));
        };
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(w, block(a))))(x);
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        const centred = tf.sub(x, mean);
        const bn = tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
        const out = [dx, block(x), variance, tf.square(centred), centred, bn, bn.add(shortcut)];
        return out.map((t) => t.dataSync() as Float32Array);
      });
    const addon = (load as { addon: OnednnAddon }).addon;
    const passes: string[] = [];
    const spied = { binary: addon.binary, scaleShift: addon.scaleShift, sumAxes: addon.sumAxes };
    addon.binary = (op, a, ...rest) => {
      if (a.length === n) passes.push(`binary ${op}`);
      return spied.binary.call(addon, op, a, ...rest);
    };
    addon.scaleShift = (x, f, sh, y, p, q, relu, add) => {
      passes.push(`scaleShift${relu ? ' relu' : ''}${add ? ' add' : ''}`);
      return spied.scaleShift.call(addon, x, f, sh, y, p, q, relu, add);
    };
    addon.sumAxes = (x, ...rest) => {
      if (x.length === n) passes.push('sum');
      return spied.sumAxes.call(addon, x, ...rest);
    };
    await tf.setBackend('onednn');
    try {
      tf.tidy(() => {
        const x = tf.tensor(values(n, 21), shape);
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        tf.relu(tf.batchNorm(x, mean, variance, tf.zeros([32]), tf.ones([32]), 1e-3).add(x)).dataSync();
      });
      // The mean of x, then BatchNorm, shortcut and ReLU in one pass: no Sub, Square, or their sum.
      expect(passes).toEqual(['sum', 'scaleShift relu add']);
    } finally {
      Object.assign(addon, spied);
    }
    const [want, got] = await both(run);
    for (const [j, g] of got.entries()) expect(relError(g, want[j] as Float32Array), `output ${j}`).toBeLessThan(1e-5);
  });

  it('updates the weights SGD owns in place, never an array read out of them', async () => {
    await tf.setBackend('onednn');
    const v = tf.variable(tf.tensor(values(4096, 31), [64, 64]));
    const opt = tf.train.sgd(0.1);
    const step = () => opt.minimize(() => tf.sum(tf.mul(v, v)));
    step(); // from the variable's initial array (the caller's) to a buffer of the backend's own
    const id = v.dataId;
    step();
    expect(v.dataId).toBe(id); // the backend's own buffer: overwritten
    const read = v.dataSync();
    const copy = Float32Array.from(read);
    step();
    expect(Array.from(read)).toEqual(Array.from(copy)); // read out: the update went to a new buffer
    expect(v.dataId).not.toBe(id);
    // Each step is v − 0.1 · 2v.
    expect(v.dataSync()[5]).toBeCloseTo((copy[5] as number) * 0.8, 6);
    v.dispose();
    opt.dispose();
  });

  it.each([
    { shape: [2, 9, 9, 3], size: 3, stride: 2, pad: 'same' as const }, // overlapping windows, odd plane
    { shape: [1, 8, 8, 64], size: 3, stride: 2, pad: 'same' as const }, // the stem's pooling
    { shape: [2, 6, 7, 5], size: 2, stride: 2, pad: 'valid' as const },
  ])('max pooling and its gradient equal cpu, ties included: $shape $size/$stride $pad', async (c) => {
    const run = () =>
      tf.tidy(() => {
        const n = c.shape.reduce((a, b) => a * b, 1);
        // Rounded values make ties inside windows: the gradient must go to the first maximum.
        const x = tf.tensor4d(
          values(n, 7).map((v) => Math.round(v * 3)),
          c.shape as [number, number, number, number],
        );
        const f = (a: tf.Tensor4D) => tf.maxPool(a, c.size, c.stride, c.pad);
        const y = f(x);
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D), tf.onesLike(y).mul(1.5))))(x);
        return [y, dx].map((t) => t.dataSync() as Float32Array);
      });
    const [want, got] = await both(run);
    for (const [j, g] of got.entries()) expect(relError(g, want[j] as Float32Array)).toBeLessThan(1e-6);
  });

  it.each([
    { shape: [4, 28, 28, 1], size: [96, 96], align: false, half: true }, // the chapter's 28 → 96 px batches
    { shape: [2, 9, 7, 3], size: [4, 11], align: false, half: false },
    { shape: [2, 9, 7, 3], size: [13, 5], align: true, half: false },
    { shape: [1, 1, 1, 2], size: [3, 3], align: true, half: false },
  ])('bilinear resize equals cpu exactly: $shape → $size, alignCorners $align, halfPixelCenters $half', async (c) => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(
          values(
            c.shape.reduce((a, b) => a * b, 1),
            13,
          ),
          c.shape as [number, number, number, number],
        );
        return tf.image.resizeBilinear(x, c.size as [number, number], c.align, c.half).dataSync() as Float32Array;
      });
    const [want, got] = await both(run);
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it.each([
    { shape: [32, 7, 7, 64], axis: [0, 1, 2] },
    { shape: [4, 3, 4096], axis: [0] },
    { shape: [4096, 3], axis: [-2] },
    { shape: [32, 3, 3, 512], axis: [1, 2] }, // global average pooling: a middle block
    { shape: [8, 5, 6], axis: [1] },
    { shape: [8, 5, 6], axis: [0, 2] }, // not one block: the cpu kernel
  ])('Sum and Mean equal cpu: $shape over $axis', async (c) => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor(
          values(
            c.shape.reduce((a, b) => a * b, 1),
            9,
          ),
          c.shape,
        );
        return [tf.sum(x, c.axis), tf.mean(x, c.axis, true)].map((t) => t.dataSync() as Float32Array);
      });
    const [want, got] = await both(run);
    for (const [j, g] of got.entries()) expect(relError(g, want[j] as Float32Array)).toBeLessThan(1e-5);
  });

  it.each([
    { a: [16, 8, 8, 64], b: [16, 8, 8, 64] },
    { a: [16, 8, 8, 64], b: [64] }, // per channel
    { a: [1, 1, 1, 64], b: [16, 8, 8, 64] }, // broadcast on the left
    { a: [16, 1, 1, 64], b: [16, 8, 8, 64] }, // global pooling's gradient: a middle block, on the left
    { a: [16, 8, 8, 64], b: [16, 1, 1, 64] }, // and on the right
    { a: [16, 8, 8, 64], b: [] }, // scalar
    { a: [16, 8, 8, 64], b: [1, 8, 1, 64] }, // two broadcast blocks: the cpu kernel
  ])('element-wise ops equal cpu: $a with $b', async ({ a, b }) => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor(
          values(
            a.reduce((p, d) => p * d, 1),
            11,
          ),
          a,
        );
        const y = tf.tensor(
          values(
            b.reduce((p, d) => p * d, 1),
            12,
          ),
          b,
        );
        const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t).mul(y)))(x);
        return [
          tf.add(x, y),
          tf.sub(x, y),
          tf.mul(x, y),
          tf.squaredDifference(x, y),
          tf.div(x, y.add(3)),
          tf.div(y.add(3), x),
          tf.relu(x),
          x.square(),
          grad,
        ].map((t) => t.dataSync() as Float32Array);
      });
    const [want, got] = await both(run);
    for (const [j, g] of got.entries()) expect(relError(g, want[j] as Float32Array)).toBeLessThan(1e-6);
  });

  it('trains the small residual BN network to the cpu backend’s losses and weights (4 steps, 1e-4)', async () => {
    const [want, got] = await both(() => trainSmallNet());
    for (const [i, loss] of got.losses.entries()) expect(loss).toBeCloseTo(want.losses[i] as number, 4);
    for (const [i, w] of got.weights.entries()) expect(relError(w, want.weights[i] as Float32Array)).toBeLessThan(1e-4);
  });

  it('keeps tensors, bytes and backend buffers flat over training steps; reuses output buffers', async () => {
    await tf.setBackend('onednn');
    const input = tf.input({ shape: [12, 12, 1] });
    let y = tf.layers
      .conv2d({ filters: 64, kernelSize: 7, strides: 2, padding: 'same' })
      .apply(input) as tf.SymbolicTensor;
    y = tf.layers.reLU().apply(tf.layers.batchNormalization().apply(y)) as tf.SymbolicTensor;
    y = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3 }).apply(y) as tf.SymbolicTensor });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'sparseCategoricalCrossentropy' });
    const xs = tf.tensor4d(values(32 * 12 * 12, 7), [32, 12, 12, 1]);
    const ys = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 3));
    const step = async () => (await model.trainOnBatch(xs, ys)) as number;
    await step();
    const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const start = { ...tf.memory(), buffers: buffers() };
    let last = 0;
    for (let i = 0; i < 4; i++) last = await step();
    expect({ ...tf.memory(), buffers: buffers() }).toMatchObject({
      numTensors: start.numTensors,
      numDataBuffers: start.numDataBuffers,
      numBytes: start.numBytes,
      buffers: start.buffers,
    });
    expect(Number.isFinite(last)).toBe(true);
    expect(pooled()).toBeGreaterThan(0);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('never reuses a buffer that was read out or is viewed by another tensor', async () => {
    await tf.setBackend('onednn');
    const x = tf.tensor(values(64 * 64, 3), [64, 64]);
    const a = tf.relu(x); // a kernel output: a pooled buffer
    const read = a.dataSync(); // the backend's own array
    const copy = Float32Array.from(read);
    const b = tf.relu(x.neg());
    const view = tf.slice(b, [0, 0], [32, 64]); // the cpu Slice: a subarray of b's buffer
    // Expected values from the inputs (reading b or the view now would mark the buffer by itself).
    const viewed = values(64 * 64, 3)
      .slice(0, 32 * 64)
      .map((v) => Math.max(0, -v));
    tf.dispose([a, b]);
    // New outputs of the same length would take a released buffer.
    const later = [tf.relu(x.add(1)), tf.relu(x.add(2)), tf.relu(x.add(3))];
    expect(Array.from(read)).toEqual(Array.from(copy));
    expect(Array.from(view.dataSync())).toEqual(Array.from(viewed));
    tf.dispose([x, view, ...later]);
  });
});

describe('onednn threads and how they wait', () => {
  it('takes D2L_ONEDNN_THREADS, else the batch grader’s per-job D2L_WASM_THREADS, else every core', async () => {
    const { onednnThreadsWanted } = await import('./index.ts');
    const { availableParallelism } = await import('node:os');
    expect(onednnThreadsWanted({ D2L_ONEDNN_THREADS: '3', D2L_WASM_THREADS: '1' })).toBe(3);
    expect(onednnThreadsWanted({ D2L_WASM_THREADS: '1' })).toBe(1);
    expect(onednnThreadsWanted({})).toBe(availableParallelism());
    expect(() => onednnThreadsWanted({ D2L_ONEDNN_THREADS: 'two' })).toThrow(
      "D2L_ONEDNN_THREADS must be a positive integer, got 'two'",
    );
  });

  it('keeps an OpenMP policy the user set, else spins briefly when the cores are idle and sleeps when they are busy', async () => {
    const { othersBusyCores, settleWaitPolicy } = await import('./index.ts');
    const set = { OMP_WAIT_POLICY: 'active' };
    expect(await settleWaitPolicy(set)).toMatch(/as set/);
    expect(set).toEqual({ OMP_WAIT_POLICY: 'active' });
    const spin = { GOMP_SPINCOUNT: '5' };
    await settleWaitPolicy(spin);
    expect(spin).toEqual({ GOMP_SPINCOUNT: '5' });
    const env: NodeJS.ProcessEnv = {};
    const said = await settleWaitPolicy(env);
    // One of the two, by what the rest of the machine was doing just now.
    if (env.OMP_WAIT_POLICY === 'passive')
      expect(said).toMatch(/^passive \(other processes were using [\d.]+ cores\)$/);
    else expect(env).toEqual({ GOMP_SPINCOUNT: '10000' });
    const busy = await othersBusyCores(20);
    if (process.platform === 'linux') expect(busy).toBeGreaterThanOrEqual(0);
    else expect(busy).toBeUndefined();
  });
});
