// BatchNorm on the wasm backend. Forward: the stock FusedBatchNorm is a scalar C++ loop; here it is
// (x − mean)·factor + offset in three broadcasting XNNPACK ops (SIMD, threaded), with
// factor = scale·rsqrt(variance + ε) computed per channel. Gradient: four full-size XNNPACK passes. TF.js's gradient of
// FusedBatchNorm is written with ops: about a dozen full-size multiplies, subtractions and tiles
// plus four reductions per layer, each a separate pass over [N,H,W,C] (BatchNorm's backward was
// ~15% of a ResNet-18 step at 96 px). All five gradients follow from two per-channel sums, Σdy and
// Σdy·(x−μ); dx is dy times a per-channel factor. (The same in plain JavaScript loops was slower:
// ~6 ns per element and pass against XNNPACK's SIMD on two threads.)
//
// Gradients are registered per kernel, not per backend: the replacement runs our kernel only on
// wasm for NHWC-style inputs with per-channel statistics and calls TF.js's own gradient otherwise.
import * as tf from '@tensorflow/tfjs';
import { call, callStock, constant, free, type KernelArgs, pipe, type TensorInfo, view } from './kernel-call.ts';
import { reduceLeading } from './reduce.ts';

export const BATCH_NORM_GRAD = 'D2lFusedBatchNormGrad';

/** Whether every given statistic is one value per channel (shape [c]); absent ones count as fine. */
function perChannel(c: number | undefined, ...stats: ({ shape: readonly number[] } | undefined)[]): boolean {
  return stats.every((t) => t === undefined || (t.shape.length === 1 && t.shape[0] === c));
}

/** rsqrt(variance + ε) and the scale (1 without one), per channel. */
function channelFactors(backend: unknown, variance: TensorInfo, scale: TensorInfo | undefined, epsilon: number) {
  const v = view(backend, variance);
  const g = scale ? view(backend, scale) : undefined;
  const rstd = Float64Array.from(v, (vk) => 1 / Math.sqrt(vk + epsilon));
  const gamma = g ? Float64Array.from(g) : new Float64Array(v.length).fill(1);
  return { rstd, gamma };
}

/** y = (x − mean)·rsqrt(variance + ε)·scale + offset, per channel (the last axis). */
export function batchNorm(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const { x, mean, variance, scale, offset } = args.inputs as Record<string, TensorInfo | undefined>;
  const { varianceEpsilon } = args.attrs as { varianceEpsilon: number };
  const xs = x as TensorInfo;
  const c = xs.shape.at(-1) as number;
  if (xs.dtype !== 'float32' || !perChannel(c, mean, variance, scale, offset)) return callStock('FusedBatchNorm', args);
  const { rstd, gamma } = channelFactors(backend, variance as TensorInfo, scale, varianceEpsilon);
  const factor = Float32Array.from(rstd, (r, k) => r * (gamma[k] as number));
  const f = constant(backend, [c], factor);
  try {
    const centred = call('Sub', backend, { a: xs, b: mean as TensorInfo });
    const scaled = pipe(backend, centred, (t) => call('Multiply', backend, { a: t, b: f }));
    return offset ? pipe(backend, scaled, (t) => call('Add', backend, { a: t, b: offset })) : scaled;
  } finally {
    free(backend, f);
  }
}

/** [dx, dmean, dvariance, dscale, doffset] of y = (x − mean)·rsqrt(variance + ε)·scale + offset. */
export function batchNormGrad(args: KernelArgs): TensorInfo[] {
  const { backend } = args;
  const { x, dy, mean, variance, scale } = args.inputs as Record<string, TensorInfo>;
  const { varianceEpsilon } = args.attrs as { varianceEpsilon: number };
  const [xs, dys] = [x as TensorInfo, dy as TensorInfo];
  const c = xs.shape.at(-1) as number;
  const leading = xs.shape.slice(0, -1).map((_, i) => i);
  const perChannel = (t: TensorInfo) =>
    reduceLeading('Sum', { inputs: { x: t }, attrs: { axis: leading, keepDims: false }, backend });
  // The two sums every gradient is made of: Σdy and Σdy·(x−μ), per channel (XNNPACK passes).
  const sumDy = perChannel(dys);
  const centred = call('Sub', backend, { a: xs, b: mean as TensorInfo });
  const product = pipe(backend, centred, (t) => call('Multiply', backend, { a: t, b: dys }));
  const sumDyX = pipe(backend, product, perChannel);
  const [sd, sdx] = [view(backend, sumDy).slice(), view(backend, sumDyX).slice()];
  free(backend, sumDy, sumDyX);
  const { rstd, gamma } = channelFactors(backend, variance as TensorInfo, scale, varianceEpsilon);
  const small = Array.from({ length: 5 }, () => new Float32Array(c));
  const [factor, dMean, dVar, dScale, dOffset] = small as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  for (let k = 0; k < c; k++) {
    const r = rstd[k] as number;
    const s = gamma[k] as number;
    factor[k] = r * s; // dx = dy · rsqrt(variance + ε) · scale
    dMean[k] = -r * s * (sd[k] as number);
    dVar[k] = -0.5 * r * r * r * s * (sdx[k] as number);
    dScale[k] = r * (sdx[k] as number);
    dOffset[k] = sd[k] as number;
  }
  const f = constant(backend, [c], factor);
  let dx: TensorInfo;
  try {
    dx = call('Multiply', backend, { a: dys, b: f });
  } finally {
    free(backend, f);
  }
  return [dx, ...[dMean, dVar, dScale, dOffset].map((values) => constant(backend, [c], values))];
}

let stockGradient: tf.GradConfig | undefined;
let stockMeanGradient: tf.GradConfig | undefined;

/**
 * Mean's gradient, dy/n broadcast to x's shape: one small division and one broadcast. TF.js's
 * multiplies by a full-size tensor of ones and then divides the full-size product (two extra
 * passes over [N,H,W,C] for every BatchNorm statistic). The values are the same bits: dy·1 is dy.
 */
function meanGradient(stock: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: 'Mean',
    inputsToSave: stock.inputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      if (Array.isArray(dy) || tf.getBackend() !== 'wasm') return stock.gradFunc(dy, saved, attrs);
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const count = axes.reduce((n, a) => n * (x.shape[a] as number), 1);
      return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy, kept), count), x.shape) };
    },
  };
}

function covered(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, scale: tf.Tensor | undefined): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    x.dtype === 'float32' &&
    x.rank >= 2 &&
    perChannel(x.shape.at(-1), mean, variance, scale)
  );
}

/** Replaces the gradients of FusedBatchNorm and Mean (all backends see them; they change only wasm's path). */
export function registerBatchNormGradients(): void {
  if (stockGradient) return;
  const stock = tf.getGradient('FusedBatchNorm');
  if (!stock) throw new Error('TF.js has no gradient for FusedBatchNorm to replace');
  stockGradient = stock;
  stockMeanGradient = tf.getGradient('Mean');
  if (stockMeanGradient) tf.registerGradient(meanGradient(stockMeanGradient));
  tf.registerGradient({
    kernelName: 'FusedBatchNorm',
    inputsToSave: stock.inputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      if (!covered(x, mean, variance, scale) || Array.isArray(dy)) return stock.gradFunc(dy, saved, attrs);
      // One kernel call gives all five: run it here, not in a thunk (the engine wraps each thunk
      // in its own tidy, which would dispose the four outputs that thunk does not return).
      const outs = tf
        .engine()
        .runKernel(
          BATCH_NORM_GRAD,
          { x, dy, mean, variance, ...(scale ? { scale } : {}) },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      const run = (i: number) => () => outs[i] as tf.Tensor;
      return { x: run(0), mean: run(1), variance: run(2), scale: run(3), offset: run(4) };
    },
  });
}

export function unregisterBatchNormGradients(): void {
  if (!stockGradient) return;
  tf.registerGradient(stockGradient);
  if (stockMeanGradient) tf.registerGradient(stockMeanGradient);
  stockGradient = undefined;
  stockMeanGradient = undefined;
}
