// BatchNorm on the onednn backend, forward and backward in one native pass each.
//
// Keras trains BatchNorm as mean = Mean(x), variance = Mean(Square(Sub(x, mean))) (tf.moments),
// then FusedBatchNorm(x, mean, variance, offset, scale). TF.js's backward walks that graph: the
// FusedBatchNorm gradient gives dx, dmean and dvariance, and the moments ops carry dmean and
// dvariance back to x through ~8 more full-size passes (broadcasts, products, sums, additions).
// All of it is one closed form, dx = k1·dy + k2·(x − μ) + k0 per channel, built from two sums. So when
// the kernels below have seen mean and variance computed from x exactly that way (provenance by
// data id, recorded as the moments ops run), the gradient returns that whole dx and exact zeros for
// dmean and dvariance; the zeros are marked (kernels.ts `knownZero`) so the moments ops' gradients
// return zeros without a pass and Add skips adding them. Any other use of FusedBatchNorm (statistics
// from elsewhere, e.g. trainable ones) gets the five ordinary partial gradients.
import { BINARY } from '@course/onednn';
import * as tf from '@tensorflow/tfjs';
import { type KernelContext, knownZero, type MomentsHooks, make, RELU_GRAD, values, zeros } from './kernels.ts';
import { deferred } from './lazy.ts';
import { alloc } from './pool.ts';

type TensorInfo = tf.TensorInfo;
interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}

export const BATCH_NORM_GRAD = 'D2lOnednnBatchNormGrad';
const ZEROS = 'D2lOnednnZeros';
const BACKEND = 'onednn';

// ---------------------------------------------------------------- provenance of tf.moments

const meanOf = new WeakMap<object, object>(); // Mean(x) → x
const centredOf = new WeakMap<object, { x: object; mean: object }>(); // Sub(x, mean)
const squaredOf = new WeakMap<object, { x: object; mean: object }>(); // Square(Sub(x, mean))
const varianceOf = new WeakMap<object, { x: object; mean: object }>(); // Mean(Square(Sub(x, mean)))

export const momentsHooks: MomentsHooks = {
  isMeanOf(mean, x) {
    return meanOf.get(mean.dataId) === x.dataId;
  },
  mean(x, out) {
    meanOf.set(out.dataId, x.dataId);
    const sq = squaredOf.get(x.dataId);
    if (sq) varianceOf.set(out.dataId, sq);
  },
  sub(a, b, out) {
    if (meanOf.get(b.dataId) === a.dataId) centredOf.set(out.dataId, { x: a.dataId, mean: b.dataId });
  },
  square(x, out) {
    const c = centredOf.get(x.dataId);
    if (c) squaredOf.set(out.dataId, c);
  },
};

/** Whether mean and variance are tf.moments of x over its leading axes, as computed by these kernels. */
function isMomentsOf(x: TensorInfo, mean: TensorInfo, variance: TensorInfo): boolean {
  const v = varianceOf.get(variance.dataId);
  return meanOf.get(mean.dataId) === x.dataId && v?.x === x.dataId && v.mean === mean.dataId;
}

// ---------------------------------------------------------------- kernels

function perChannel(c: number, ...stats: (TensorInfo | undefined)[]): boolean {
  return stats.every((t) => t === undefined || (t.shape.length === 1 && t.shape[0] === c && t.dtype === 'float32'));
}

/** rsqrt(variance + ε) in double, and the scale (1 without one). */
function factors(backend: unknown, variance: TensorInfo, scale: TensorInfo | undefined, epsilon: number) {
  const v = values(backend, variance);
  const g = scale ? values(backend, scale) : undefined;
  return {
    rstd: Float64Array.from(v, (vk) => 1 / Math.sqrt(vk + epsilon)),
    gamma: g ? Float64Array.from(g) : new Float64Array(v.length).fill(1),
  };
}

function batchNorm(ctx: KernelContext) {
  return (args: KernelArgs): TensorInfo => {
    const { x, mean, variance, scale, offset } = args.inputs;
    const { varianceEpsilon } = args.attrs as { varianceEpsilon: number };
    const xs = x as TensorInfo;
    const c = xs.shape.at(-1) as number;
    if (xs.dtype !== 'float32' || !mean || !variance || !perChannel(c, mean, variance, scale, offset)) {
      return ctx.stock('FusedBatchNorm')(args as never) as TensorInfo;
    }
    const { backend } = args;
    const { rstd, gamma } = factors(backend, variance, scale, varianceEpsilon);
    const m = values(backend, mean);
    const b = offset ? values(backend, offset) : undefined;
    const factor = Float32Array.from(rstd, (r, k) => r * (gamma[k] as number));
    const shift = Float32Array.from(factor, (f, k) => (b ? (b[k] as number) : 0) - (m[k] as number) * f);
    const n = xs.shape.reduce((p, d) => p * d, 1);
    // Deferred: a ReLU that follows takes both in one pass (kernels.ts); anything else reads it computed.
    return deferred(backend, [...xs.shape], { kind: 'batchNorm', x: xs, factor, shift, p: n / c, q: c }, [xs], () => {
      const y = alloc(n);
      ctx.addon.scaleShift(values(backend, xs), factor, shift, y, n / c, c, false);
      return y;
    });
  };
}

/**
 * [dx, dmean, dvariance, dscale, doffset]. With `full` (statistics are x's own moments) dx is the whole
 * gradient and dmean, dvariance are marked zeros; otherwise the five partial gradients.
 */
function batchNormGrad(ctx: KernelContext) {
  return (args: KernelArgs): TensorInfo[] => {
    const { x, dy, mean, variance, scale } = args.inputs as Record<string, TensorInfo>;
    const { varianceEpsilon, full } = args.attrs as { varianceEpsilon: number; full: boolean };
    const { backend } = args;
    const xs = x as TensorInfo;
    const c = xs.shape.at(-1) as number;
    const n = xs.shape.reduce((p, d) => p * d, 1);
    const p = n / c;
    const [xv, dyv, mv] = [values(backend, xs), values(backend, dy as TensorInfo), values(backend, mean as TensorInfo)];
    const sumDy = new Float32Array(c);
    const sumDyX = new Float32Array(c);
    ctx.addon.batchNormSums(xv, dyv, mv, p, c, sumDy, sumDyX);
    const { rstd, gamma } = factors(backend, variance as TensorInfo, scale, varianceEpsilon);
    const dScale = Float32Array.from(rstd, (r, k) => r * (sumDyX[k] as number));
    const dOffset = sumDy;
    const k1 = Float32Array.from(rstd, (r, k) => r * (gamma[k] as number)); // dy · rsqrt(var + ε) · scale
    const dx = alloc(n);
    const shape = [...xs.shape];
    if (full) {
      const k2 = Float32Array.from(rstd, (r, k) => (-(gamma[k] as number) * r * r * r * (sumDyX[k] as number)) / p);
      const k0 = Float32Array.from(rstd, (r, k) => (-(gamma[k] as number) * r * (sumDy[k] as number)) / p);
      ctx.addon.batchNormBackward(xv, dyv, mv, k1, k2, k0, dx, p, c);
      const outs = [make(backend, shape, dx), zeros(backend, [c]), zeros(backend, [c])];
      return [...outs, make(backend, [c], dScale), make(backend, [c], dOffset)];
    }
    ctx.addon.binary(BINARY.mul, dyv, k1, dx, 1, n / c, c); // dx = dy · factor
    const dMean = Float32Array.from(k1, (f, k) => -f * (sumDy[k] as number));
    const dVar = Float32Array.from(rstd, (r, k) => -0.5 * r * r * r * (gamma[k] as number) * (sumDyX[k] as number));
    return [
      make(backend, shape, dx),
      make(backend, [c], dMean),
      make(backend, [c], dVar),
      make(backend, [c], dScale),
      make(backend, [c], dOffset),
    ];
  };
}

export function batchNormKernels(ctx: KernelContext): Record<string, (args: KernelArgs) => TensorInfo | TensorInfo[]> {
  return {
    FusedBatchNorm: batchNorm(ctx),
    [BATCH_NORM_GRAD]: batchNormGrad(ctx),
    [ZEROS]: (args) => zeros(args.backend, (args.attrs as { shape: number[] }).shape),
  };
}

// ---------------------------------------------------------------- gradients (per kernel name, all backends)

const isZero = (t: tf.Tensor) => knownZero.has(t.dataId);
const zerosLike = (t: tf.Tensor) =>
  tf.engine().runKernel(ZEROS, {}, { shape: [...t.shape] } as unknown as tf.NamedAttrMap) as tf.Tensor;

type GradFunc = tf.GradConfig['gradFunc'];

/** What each replaced gradient does on onednn; undefined means "use the gradient that was registered". */
const GRADIENTS: Record<
  string,
  (dy: tf.Tensor, saved: tf.Tensor[], attrs: tf.NamedAttrMap) => ReturnType<GradFunc> | undefined
> = {
  FusedBatchNorm(dy, saved, attrs) {
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const c = x.shape.at(-1) as number;
    if (x.dtype !== 'float32' || x.rank < 2 || !perChannel(c, mean, variance, scale)) return undefined;
    const full = isMomentsOf(x, mean, variance);
    // One kernel call gives all five: run it here, not in a thunk (the engine wraps each thunk in its
    // own tidy, which would dispose the four outputs that thunk does not return).
    const outs = tf.engine().runKernel(BATCH_NORM_GRAD, { x, dy, mean, variance, ...(scale ? { scale } : {}) }, {
      ...(attrs as object),
      full,
    } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const run = (i: number) => () => outs[i] as tf.Tensor;
    return { x: run(0), mean: run(1), variance: run(2), scale: run(3), offset: run(4) };
  },
  Mean(dy, saved) {
    const [x] = saved as [tf.Tensor];
    return isZero(dy) ? { x: () => zerosLike(x) } : undefined;
  },
  Square(dy, saved) {
    const [x] = saved as [tf.Tensor];
    return isZero(dy) ? { x: () => zerosLike(x) } : undefined;
  },
  Sub(dy, saved) {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    return isZero(dy) ? { a: () => zerosLike(a), b: () => zerosLike(b) } : undefined;
  },
  Relu(dy, saved) {
    // From ReLU's output, saved for it (see SAVED_OUTPUTS): y > 0 exactly where x > 0, and the input (a
    // BatchNorm's output, deferred) need never be computed.
    const [x, y] = saved as [tf.Tensor, tf.Tensor | undefined];
    const mask = y ?? x;
    if (mask.dtype !== 'float32' || dy.shape.join() !== mask.shape.join()) return undefined;
    return { x: () => tf.engine().runKernel(RELU_GRAD, { dy, x: mask }, {}) as tf.Tensor };
  },
};

/** Outputs the onednn gradients read, saved for every backend (the others' gradients read only the inputs). */
const SAVED_OUTPUTS: Record<string, boolean[]> = { Relu: [true] };

const mine = new Map<string, tf.GradConfig>();

/**
 * Put the onednn gradients in front of whatever gradient each kernel has now (TF.js's, or wasm's),
 * which still runs on every other backend. Idempotent; run again after anyone re-registers one.
 */
export function registerOnednnGradients(): void {
  for (const [name, ours] of Object.entries(GRADIENTS)) {
    const current = tf.getGradient(name);
    if (!current || mine.get(name) === current) continue;
    const config: tf.GradConfig = {
      kernelName: name,
      inputsToSave: current.inputsToSave,
      outputsToSave: SAVED_OUTPUTS[name] ?? current.outputsToSave,
      saveAllInputs: current.saveAllInputs,
      gradFunc: (dy, saved, attrs) => {
        const got = tf.getBackend() === BACKEND && !Array.isArray(dy) ? ours(dy, saved, attrs) : undefined;
        return got ?? current.gradFunc(dy, saved, attrs);
      },
    };
    mine.set(name, config);
    tf.registerGradient(config);
  }
}
