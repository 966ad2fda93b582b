// Test material shared by the kernel suites of every non-reference backend (wasm/, onednn/): the
// convolution cases, deterministic inputs, the error measure, and a small network trained a few
// steps. Each suite runs a case on the cpu backend (the reference) and on its own backend.
import * as tf from '@tensorflow/tfjs';

export type Pad = 'same' | 'valid';
export interface ConvCase {
  n: number;
  h: number;
  w: number;
  c: number;
  co: number;
  k: number;
  s: number;
  pad: Pad;
}

/** Deterministic values in [-1, 1) so that a failure reproduces. */
export function values(size: number, seed: number): Float32Array {
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

/** Forward, fused forward (bias + ReLU), input and filter gradients of one convolution on the current backend. */
export function convResults(cs: ConvCase): {
  y: Float32Array;
  fused: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
} {
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

/** max |a−b| over max |b|: the error relative to the result's scale. */
export function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  a.forEach((v, i) => {
    const want = b[i] ?? Number.NaN;
    diff = Math.max(diff, Math.abs(v - want));
    scale = Math.max(scale, Math.abs(want));
  });
  return diff / Math.max(scale, 1e-30);
}

/** Kernels 1/3/7, strides 1/2, same/valid, batch 1, odd sizes, 1–512 channels, planes smaller than the kernel. */
export const CONV_CASES: ConvCase[] = [];
for (const k of [1, 3, 7]) {
  for (const s of [1, 2]) {
    for (const pad of ['same', 'valid'] as Pad[]) {
      CONV_CASES.push({ n: 2, h: 11, w: 9, c: 3, co: 5, k, s, pad }); // odd sizes
      CONV_CASES.push({ n: 1, h: 8, w: 8, c: 1, co: 4, k, s, pad }); // batch 1, one channel (the stem)
      CONV_CASES.push({ n: 1, h: 9, w: 10, c: 6, co: 5, k, s, pad }); // more than 4 channels
    }
  }
}
// Wide layers on a small plane: ResNet-18's last stage and its shortcut.
CONV_CASES.push({ n: 1, h: 4, w: 4, c: 128, co: 512, k: 3, s: 2, pad: 'same' });
CONV_CASES.push({ n: 1, h: 3, w: 3, c: 512, co: 256, k: 3, s: 1, pad: 'same' });
CONV_CASES.push({ n: 2, h: 4, w: 4, c: 256, co: 512, k: 1, s: 2, pad: 'same' });
CONV_CASES.push({ n: 1, h: 5, w: 5, c: 64, co: 64, k: 1, s: 2, pad: 'valid' }); // 1×1/2 whose dy overshoots
// Planes smaller than the kernel: most taps meet only padding.
CONV_CASES.push({ n: 3, h: 1, w: 1, c: 32, co: 16, k: 3, s: 1, pad: 'same' });
CONV_CASES.push({ n: 2, h: 2, w: 2, c: 16, co: 32, k: 3, s: 2, pad: 'same' });
CONV_CASES.push({ n: 2, h: 2, w: 3, c: 2, co: 3, k: 7, s: 2, pad: 'same' });

/**
 * A small network with every kernel the fast training paths replace: a 7×7/2 stem with bias, BatchNorm,
 * max pooling, a residual block with a strided 3×3 and a 1×1 projection, global pooling, a dense head;
 * on 16×16×1 inputs, from fixed weights, so that every backend starts from the same numbers.
 */
export function smallNet(): tf.LayersModel {
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
  const net = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(x) as tf.SymbolicTensor });
  // Fixed weights; gammas and moving variances around 1 (a negative variance would be NaN).
  const aroundOne = (name: string) => /gamma|variance/.test(name);
  const start = net.weights.map((v, i) =>
    tf.tensor(
      Float32Array.from(
        { length: v.shape.reduce((a: number, b) => a * (b as number), 1) },
        (_, j) => (aroundOne(v.name) ? 1 : 0) + Math.sin(i * 7 + j * 0.37) * 0.1,
      ),
      v.shape as number[],
    ),
  );
  net.setWeights(start);
  tf.dispose(start); // the variables hold their own references
  return net;
}

/**
 * Losses of 4 SGD steps of the small network from fixed weights, then every weight (BN moving statistics
 * included). Read asynchronously, so that it runs on webgpu too.
 */
export async function trainSmallNet(): Promise<{ losses: number[]; weights: Float32Array[] }> {
  const net = smallNet();
  const xs = tf.tensor4d(
    Float32Array.from({ length: 6 * 16 * 16 }, (_, j) => Math.cos(j * 0.013) + (j % 7) * 0.1),
    [6, 16, 16, 1],
  );
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32'), 10));
  const optimizer = tf.train.sgd(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 4; step++) {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, net.apply(xs, { training: true }) as tf.Tensor),
      true,
    ) as tf.Tensor;
    losses.push((await loss.data())[0] as number);
    loss.dispose();
  }
  const weights = (await Promise.all(net.getWeights().map((w) => w.data()))) as Float32Array[];
  tf.dispose([xs, ys]);
  optimizer.dispose();
  net.dispose();
  return { losses, weights };
}
