// TF.js kernels of the `onednn` backend: the cpu backend's tensors (plain Float32Arrays) handed to
// the oneDNN addon, which writes each output in place. Every kernel checks that it covers the call
// (float32, NHWC, shapes it knows) and otherwise runs the cpu backend's own kernel, so the backend
// computes whatever the cpu backend computes.
import type { OnednnAddon } from '@course/onednn';
import { BINARY, SCALAR } from '@course/onednn';
import * as tf from '@tensorflow/tfjs';
import { leadingAxes } from '../wasm/reduce.ts';
import { deferred, recipeOf } from './lazy.ts';
import { alloc, zeroView } from './pool.ts';

type TensorInfo = tf.TensorInfo;
interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}
type Kernel = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** What a kernel needs of the cpu backend: its arrays by data id, and new tensors from arrays. */
interface CpuBackend {
  data: { get(id: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfo;
  incRef(dataId: object): void;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export interface KernelContext {
  addon: OnednnAddon;
  /** The cpu backend's kernel of the same name, for calls ours do not cover. */
  stock(name: string): tf.KernelFunc;
}

function values(backend: unknown, t: TensorInfo): Float32Array {
  const v = (backend as CpuBackend).data.get(t.dataId).values;
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

function make(backend: unknown, shape: number[], data: Float32Array): TensorInfo {
  return (backend as CpuBackend).makeTensorInfo(shape, 'float32', data);
}

// ---------------------------------------------------------------- identities and zero gradients

/** Data ids of tensors known to be all zeros (gradients that only carry zeros: see batch-norm.ts). */
export const knownZero = new WeakSet<object>();

/** A zero tensor that later kernels can skip; it views the shared zeros, so it costs no pass. */
export function zeros(backend: unknown, shape: number[]): TensorInfo {
  const t = make(backend, shape, zeroView(size(shape)));
  knownZero.add(t.dataId);
  return t;
}

/**
 * Numbers that name a filter's contents: a tensor's values never change, so its data id is the key,
 * except for a variable that SGD updates in place (sgd.ts), which says so with `contentsChanged`.
 */
const filterKeys = new WeakMap<object, number>();
let nextKey = 1;

/** The values under `dataId` were overwritten: the next use of it as a filter repacks it. */
export function contentsChanged(dataId: object): void {
  filterKeys.delete(dataId);
}
function filterKey(t: TensorInfo): number {
  let k = filterKeys.get(t.dataId);
  if (k === undefined) {
    k = nextKey++;
    filterKeys.set(t.dataId, k);
  }
  return k;
}

// ---------------------------------------------------------------- convolutions

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The addon's dims for a convolution, or undefined when oneDNN's padding rule would not give TF.js's shape. */
export function convDims(xShape: number[], filterShape: number[], attrs: ConvAttrs): number[] | undefined {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return undefined;
  if (xShape.length !== 4 || filterShape.length !== 4) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { top, left, bottom, right } = info.padInfo;
  const fits = (inp: number, k: number, d: number, s: number, lo: number, hi: number, out: number) =>
    Math.floor((inp + lo + hi - ((k - 1) * d + 1)) / s) + 1 === out && lo >= 0 && hi >= 0;
  const { inHeight: ih, inWidth: iw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw, dilationHeight: dh, dilationWidth: dw } = info;
  if (!fits(ih, kh, dh, sh, top, bottom, oh) || !fits(iw, kw, dw, sw, left, right, ow)) return undefined;
  if (info.batchSize === 0 || oh <= 0 || ow <= 0 || info.inChannels === 0 || info.outChannels === 0) return undefined;
  return [
    info.batchSize,
    ih,
    iw,
    info.inChannels,
    oh,
    ow,
    info.outChannels,
    kh,
    kw,
    sh,
    sw,
    dh,
    dw,
    top,
    left,
    bottom,
    right,
  ];
}

const float = (...ts: (TensorInfo | undefined)[]) => ts.every((t) => t === undefined || t.dtype === 'float32');

function conv2d(ctx: KernelContext, name: 'Conv2D' | 'FusedConv2D'): Kernel {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const attrs = args.attrs as unknown as ConvAttrs & { activation?: string };
    const activation = attrs.activation ?? 'linear';
    const dims = x && filter ? convDims(x.shape, filter.shape, attrs) : undefined;
    const biasOk = bias === undefined || (bias.shape.length === 1 && bias.shape[0] === filter?.shape[3]);
    if (
      !dims ||
      !float(x, filter, bias) ||
      !biasOk ||
      preluActivationWeights ||
      (activation !== 'linear' && activation !== 'relu')
    ) {
      return ctx.stock(name)(args as never) as TensorInfo;
    }
    const [xi, fi] = [x as TensorInfo, filter as TensorInfo];
    const { backend } = args;
    const out = alloc(dims[0]! * dims[4]! * dims[5]! * dims[6]!);
    const b = bias ? values(backend, bias) : null;
    ctx.addon.conv2d(values(backend, xi), values(backend, fi), b, out, dims, activation === 'relu', filterKey(fi));
    return make(backend, [dims[0]!, dims[4]!, dims[5]!, dims[6]!], out);
  };
}

function conv2dBackpropInput(ctx: KernelContext): Kernel {
  return (args) => {
    const { dy, filter } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const dims = dy && filter ? convDims(attrs.inputShape, filter.shape, attrs) : undefined;
    if (!dims || !float(dy, filter) || dy?.shape.join() !== [dims[0], dims[4], dims[5], dims[6]].join()) {
      return ctx.stock('Conv2DBackpropInput')(args as never) as TensorInfo;
    }
    const { backend } = args;
    const dx = alloc(size(attrs.inputShape));
    ctx.addon.conv2dBackwardData(
      values(backend, dy as TensorInfo),
      values(backend, filter as TensorInfo),
      dx,
      dims,
      filterKey(filter as TensorInfo),
    );
    return make(backend, [...attrs.inputShape], dx);
  };
}

function conv2dBackpropFilter(ctx: KernelContext): Kernel {
  return (args) => {
    const { x, dy } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const dims = x && dy ? convDims(x.shape, attrs.filterShape, attrs) : undefined;
    if (!dims || !float(x, dy) || dy?.shape.join() !== [dims[0], dims[4], dims[5], dims[6]].join()) {
      return ctx.stock('Conv2DBackpropFilter')(args as never) as TensorInfo;
    }
    const { backend } = args;
    const dw = alloc(size(attrs.filterShape));
    ctx.addon.conv2dBackwardWeights(
      values(backend, x as TensorInfo),
      values(backend, dy as TensorInfo),
      dw,
      dims,
      null,
    );
    return make(backend, [...attrs.filterShape], dw);
  };
}

// ---------------------------------------------------------------- max pooling

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function poolDims(xShape: number[], attrs: PoolAttrs): number[] | undefined {
  if (xShape.length !== 4) return undefined;
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { top, left, bottom, right } = info.padInfo;
  const { inHeight: ih, inWidth: iw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { filterHeight: kh, filterWidth: kw } = info;
  const fits = (inp: number, k: number, s: number, lo: number, hi: number, out: number) =>
    Math.floor((inp + lo + hi - k) / s) + 1 === out && lo >= 0 && hi >= 0 && lo < k && hi < k;
  if (!fits(ih, kh, sh, top, bottom, oh) || !fits(iw, kw, sw, left, right, ow) || info.batchSize === 0)
    return undefined;
  return [info.batchSize, ih, iw, info.inChannels, oh, ow, kh, kw, sh, sw, top, left, bottom, right];
}

function maxPool(ctx: KernelContext): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const dims = poolDims(x.shape, args.attrs as unknown as PoolAttrs);
    if (!dims || !float(x) || size(x.shape) === 0) return ctx.stock('MaxPool')(args as never) as TensorInfo;
    const y = alloc(dims[0]! * dims[4]! * dims[5]! * dims[3]!);
    ctx.addon.maxPool(values(args.backend, x), y, dims);
    return make(args.backend, [dims[0]!, dims[4]!, dims[5]!, dims[3]!], y);
  };
}

function maxPoolGrad(ctx: KernelContext): Kernel {
  return (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const dims = poolDims(input.shape, args.attrs as unknown as PoolAttrs);
    if (!dims || !float(dy, input)) return ctx.stock('MaxPoolGrad')(args as never) as TensorInfo;
    const dx = alloc(size(input.shape));
    ctx.addon.maxPoolGrad(values(args.backend, input), values(args.backend, dy), dx, dims);
    return make(args.backend, [...input.shape], dx);
  };
}

// ---------------------------------------------------------------- images

/** The cpu kernel's bilinear resize, natively (a training batch at 96 px is resized every step). */
function resizeBilinear(ctx: KernelContext): Kernel {
  return (args) => {
    const { images } = args.inputs as { images: TensorInfo };
    const {
      alignCorners,
      halfPixelCenters,
      size: to,
    } = args.attrs as {
      alignCorners: boolean;
      halfPixelCenters: boolean;
      size: [number, number];
    };
    if (images.dtype !== 'float32' || images.shape.length !== 4 || size(images.shape) === 0)
      return ctx.stock('ResizeBilinear')(args as never) as TensorInfo;
    const [n, ih, iw, c] = images.shape as [number, number, number, number];
    const shape = [n, to[0], to[1], c];
    const out = alloc(size(shape));
    ctx.addon.resizeBilinear(
      values(args.backend, images),
      out,
      [n, ih, iw, c, to[0], to[1]],
      alignCorners,
      halfPixelCenters,
    );
    return make(args.backend, shape, out);
  };
}

// ---------------------------------------------------------------- reductions over a block of axes

/**
 * x seen as [outer, p, q] when `axis` is one contiguous block of its axes: the leading ones (outer = 1:
 * BatchNorm statistics, bias gradients) or middle ones (global average pooling over H, W of NHWC).
 */
function reducedBlock(x: TensorInfo, axis: unknown): { outer: number; p: number; q: number } | undefined {
  if (x.dtype !== 'float32' || axis === undefined) return undefined;
  const rank = x.shape.length;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis as number]).map((a) => (a < 0 ? a + rank : a)))].sort(
    (a, b) => a - b,
  );
  const [first, last] = [axes[0] as number, axes.at(-1) as number];
  if (axes.length === 0 || last - first + 1 !== axes.length || axes.length === rank) return undefined;
  return {
    outer: size(x.shape.slice(0, first)),
    p: size(x.shape.slice(first, last + 1)),
    q: size(x.shape.slice(last + 1)),
  };
}

/** x seen as [p, q] rows when `axis` is its leading axes (the statistics tf.moments takes over a batch). */
function leadingRows(x: TensorInfo, axis: unknown): boolean {
  return leadingAxes(axis as number | number[], x.shape.length) > 0 && x.dtype === 'float32';
}

function reduceAxes(ctx: KernelContext, name: 'Sum' | 'Mean'): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const block = reducedBlock(x, axis);
    if (!block || block.p < 2 || block.q === 0 || block.outer === 0)
      return ctx.stock(name)(args as never) as TensorInfo;
    const out = new Float32Array(block.outer * block.q);
    const { outer, p, q } = block;
    const squared = recipeOf(x);
    if (name === 'Mean' && squared?.kind === 'squared' && outer === 1 && squared.p === p && squared.q === q) {
      // The variance of tf.moments in one pass over x, never writing (x − mean) or its square.
      const { backend } = args;
      ctx.addon.meanSquaredDeviation(values(backend, squared.x), values(backend, squared.mean), p, q, out, 1 / p);
    } else ctx.addon.sumAxes(values(args.backend, x), outer, p, q, out, name === 'Mean' ? 1 / p : 1);
    const reduced = new Set(tf.util.parseAxisParam(axis, x.shape));
    const shape = x.shape.flatMap((d, i) => (reduced.has(i) ? (keepDims ? [1] : []) : [d]));
    return make(args.backend, shape, out);
  };
}

// ---------------------------------------------------------------- element-wise

/**
 * b against a as [outer, p, q] × [outer, q]: b equals a except for one block of axes where it is 1
 * (after b's missing leading axes count as 1s). Same shape, per-channel, scalar, [N,1,1,C] broadcasts.
 */
export function broadcastBlock(
  a: readonly number[],
  b: readonly number[],
): { outer: number; p: number; q: number } | undefined {
  if (b.length > a.length) return undefined;
  const full = [...Array(a.length - b.length).fill(1), ...b] as number[];
  let lo = 0;
  while (lo < a.length && full[lo] === a[lo]) lo++;
  let hi = a.length;
  while (hi > lo && full[hi - 1] === a[hi - 1]) hi--;
  for (let i = lo; i < hi; i++) if (full[i] !== 1) return undefined;
  return { outer: size(a.slice(0, lo)), p: size(a.slice(lo, hi)), q: size(a.slice(hi)) };
}

const BINARY_OPS: Record<string, [number, number | undefined]> = {
  // [a op b, b op a] (the second for a broadcast operand on the left)
  Add: [BINARY.add, BINARY.add],
  Sub: [BINARY.sub, BINARY.swappedSub],
  Multiply: [BINARY.mul, BINARY.swappedMul],
  SquaredDifference: [BINARY.squaredDifference, BINARY.swappedSquaredDifference],
  RealDiv: [BINARY.div, BINARY.swappedDiv],
};
/** Below this many elements the JavaScript loop is as fast as a call into the addon. */
const SMALL = 4096;

function binary(ctx: KernelContext, name: string, hooks: MomentsHooks): Kernel {
  const [op, swappedOp] = BINARY_OPS[name] as [number, number];
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { backend } = args;
    if (name === 'Add' && a.shape.join() === b.shape.join()) {
      // Accumulating a zero gradient (batch-norm.ts): the other term is the sum, no pass.
      const other = knownZero.has(b.dataId) ? a : knownZero.has(a.dataId) ? b : undefined;
      if (other) {
        (backend as CpuBackend).incRef(other.dataId);
        return { dataId: other.dataId, shape: other.shape, dtype: other.dtype };
      }
    }
    if (!float(a, b) || a.dtype !== b.dtype) return ctx.stock(name)(args as never) as TensorInfo;
    if (name === 'Add' && a.shape.join() === b.shape.join() && size(a.shape) >= SMALL) {
      // A BatchNorm still unread plus a shortcut (a residual block): deferred as one, so that the ReLU
      // after it computes max(0, x·factor + shift + shortcut) in one pass.
      const [bn, other] = plainBatchNorm(a) ? [a, b] : plainBatchNorm(b) ? [b, a] : [];
      const r = bn && recipeOf(bn);
      if (r?.kind === 'batchNorm' && other) {
        const { x, factor, shift, p, q } = r;
        const recipe = { kind: 'batchNorm' as const, x, factor, shift, p, q, add: other };
        return deferred(backend, [...a.shape], recipe, [x, other], () => {
          const out = alloc(p * q);
          ctx.addon.scaleShift(values(backend, x), factor, shift, out, p, q, false, values(backend, other));
          return out;
        });
      }
    }
    const right = broadcastBlock(a.shape, b.shape);
    const left = right ? undefined : broadcastBlock(b.shape, a.shape);
    const [big, small, block, code] = right ? [a, b, right, op] : [b, a, left, swappedOp];
    const n = size(big.shape);
    if (!block || n < SMALL || size(small.shape) === 0) return ctx.stock(name)(args as never) as TensorInfo;
    const compute = () => {
      const out = alloc(n);
      ctx.addon.binary(code, values(backend, big), values(backend, small), out, block.outer, block.p, block.q);
      return out;
    };
    // x − mean(x) of tf.moments: read only through its square's mean (the variance), if at all.
    if (name === 'Sub' && right && block.outer === 1 && hooks.isMeanOf(b, a)) {
      return deferred(
        backend,
        [...a.shape],
        { kind: 'centred', x: a, mean: b, p: block.p, q: block.q },
        [a, b],
        compute,
      );
    }
    return make(backend, [...big.shape], compute());
  };
}

/** A deferred BatchNorm output with nothing added to it yet. */
function plainBatchNorm(t: TensorInfo): boolean {
  const r = recipeOf(t);
  return r?.kind === 'batchNorm' && r.add === undefined;
}

function relu(ctx: KernelContext): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const n = size(x.shape);
    if (x.dtype !== 'float32' || n < SMALL) return ctx.stock('Relu')(args as never) as TensorInfo;
    const out = alloc(n);
    const bn = recipeOf(x);
    if (bn?.kind === 'batchNorm') {
      // ReLU of a BatchNorm still unread (and of what was added to it): one pass, max(0, x·a + b [+ c]).
      const { backend } = args;
      const add = bn.add && values(backend, bn.add);
      ctx.addon.scaleShift(values(backend, bn.x), bn.factor, bn.shift, out, bn.p, bn.q, true, add);
    } else ctx.addon.scalar(SCALAR.relu, values(args.backend, x), 0, out, n);
    return make(args.backend, [...x.shape], out);
  };
}

function square(ctx: KernelContext): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const n = size(x.shape);
    if (x.dtype !== 'float32' || n < SMALL) return ctx.stock('Square')(args as never) as TensorInfo;
    const { backend } = args;
    const centred = recipeOf(x);
    if (centred?.kind === 'centred') {
      // (x − mean)² of tf.moments, deferred too: its mean (the variance) reads x and mean directly.
      const { x: from, mean, p, q } = centred;
      return deferred(backend, [...x.shape], { kind: 'squared', x: from, mean, p, q }, [from, mean], () => {
        const out = alloc(n);
        ctx.addon.binary(BINARY.squaredDifference, values(backend, from), values(backend, mean), out, 1, p, q);
        return out;
      });
    }
    const out = alloc(n);
    const xs = values(backend, x);
    ctx.addon.binary(BINARY.mul, xs, xs, out, 1, 1, n);
    return make(backend, [...x.shape], out);
  };
}

export const RELU_GRAD = 'D2lReluGrad';

/** dy where x > 0, else 0: ReLU's gradient in one pass (TF.js's is Step, then a multiply). */
function reluGrad(ctx: KernelContext): Kernel {
  return (args) => {
    const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
    const n = size(x.shape);
    const out = alloc(n);
    ctx.addon.binary(BINARY.reluGrad, values(args.backend, dy), values(args.backend, x), out, 1, 1, n);
    return make(args.backend, [...x.shape], out);
  };
}

// ---------------------------------------------------------------- the kernel table

/** Hooks that let batch-norm.ts recognise tf.moments's ops as they run. */
export interface MomentsHooks {
  /** Whether `mean` is the Mean of `x` over its leading axes, as these kernels computed it. */
  isMeanOf(mean: TensorInfo, x: TensorInfo): boolean;
  mean(x: TensorInfo, out: TensorInfo): void;
  sub(a: TensorInfo, b: TensorInfo, out: TensorInfo): void;
  square(x: TensorInfo, out: TensorInfo): void;
}

/** The kernel, then `hook(inputs, output)`, whichever path (ours or the cpu kernel) computed it. */
function recorded(
  kernel: Kernel,
  hook: (inputs: Record<string, TensorInfo>, out: TensorInfo, attrs: Record<string, unknown>) => void,
): Kernel {
  return (args) => {
    const out = kernel(args) as TensorInfo;
    hook(args.inputs as Record<string, TensorInfo>, out, args.attrs ?? {});
    return out;
  };
}

export function onednnKernels(ctx: KernelContext, hooks: MomentsHooks): Record<string, Kernel> {
  return {
    Conv2D: conv2d(ctx, 'Conv2D'),
    FusedConv2D: conv2d(ctx, 'FusedConv2D'),
    Conv2DBackpropInput: conv2dBackpropInput(ctx),
    Conv2DBackpropFilter: conv2dBackpropFilter(ctx),
    MaxPool: maxPool(ctx),
    ResizeBilinear: resizeBilinear(ctx),
    MaxPoolGrad: maxPoolGrad(ctx),
    Sum: reduceAxes(ctx, 'Sum'),
    // Mean over leading axes only: the statistic tf.moments takes over a batch.
    Mean: recorded(reduceAxes(ctx, 'Mean'), ({ x }, out, { axis }) => {
      if (x && leadingRows(x, axis)) hooks.mean(x, out);
    }),
    Add: binary(ctx, 'Add', hooks),
    Sub: recorded(binary(ctx, 'Sub', hooks), ({ a, b }, out) => hooks.sub(a as TensorInfo, b as TensorInfo, out)),
    Multiply: binary(ctx, 'Multiply', hooks),
    SquaredDifference: binary(ctx, 'SquaredDifference', hooks),
    RealDiv: binary(ctx, 'RealDiv', hooks),
    Square: recorded(square(ctx), ({ x }, out) => hooks.square(x as TensorInfo, out)),
    Relu: relu(ctx),
    [RELU_GRAD]: reluGrad(ctx),
  };
}

export { make, values };
