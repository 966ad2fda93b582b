// TF.js kernels of the `onednn` backend: the cpu backend's tensors (plain Float32Arrays) handed to
// the oneDNN addon, which writes each output in place. Every kernel checks that it covers the call
// (float32, NHWC, shapes it knows) and otherwise runs the cpu backend's own kernel, so the backend
// computes whatever the cpu backend computes.
import type { OnednnAddon } from '@course/onednn';
import { BINARY, SCALAR } from '@course/onednn';
import * as tf from '@tensorflow/tfjs';
import { leadingAxes } from '../wasm/reduce.ts';
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

/** Data ids of tensors known to be all zeros (gradients that only carry zeros: see batch-norm-training.ts). */
export const knownZero = new WeakSet<object>();

/** A zero tensor that later kernels can skip; it views the shared zeros, so it costs no pass. */
export function zeros(backend: unknown, shape: number[]): TensorInfo {
  const t = make(backend, shape, zeroView(size(shape)));
  knownZero.add(t.dataId);
  return t;
}

/** Numbers that name a filter's contents: a tensor's values never change, so its data id is the key. */
const filterKeys = new WeakMap<object, number>();
let nextKey = 1;
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

// ---------------------------------------------------------------- reductions over leading axes

/** x seen as [p, q] rows when `axis` is its leading axes (BatchNorm statistics, bias gradients). */
function leadingRows(x: TensorInfo, axis: unknown): { p: number; q: number; k: number } | undefined {
  const k = leadingAxes(axis as number | number[], x.shape.length);
  if (k === 0 || x.dtype !== 'float32') return undefined;
  return { p: size(x.shape.slice(0, k)), q: size(x.shape.slice(k)), k };
}

function reduceLeading(ctx: KernelContext, name: 'Sum' | 'Mean'): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rows = leadingRows(x, axis);
    if (!rows || rows.p < 2 || rows.q === 0) return ctx.stock(name)(args as never) as TensorInfo;
    const out = new Float32Array(rows.q);
    ctx.addon.sumLeading(values(args.backend, x), rows.p, rows.q, out, name === 'Mean' ? 1 / rows.p : 1);
    const rest = x.shape.slice(rows.k);
    const shape = keepDims ? [...x.shape.slice(0, rows.k).map(() => 1), ...rest] : rest;
    return make(args.backend, shape, out);
  };
}

// ---------------------------------------------------------------- element-wise

/** How b repeats along a: same shape, or a's trailing axes (after dropping b's leading 1s). */
function tiles(a: readonly number[], b: readonly number[]): boolean {
  let i = 0;
  while (i < b.length && b[i] === 1) i++;
  const tail = b.slice(i);
  if (tail.length > a.length) return false;
  const aTail = a.slice(a.length - tail.length);
  return tail.every((d, j) => d === aTail[j]) && b.length <= a.length;
}

const COMMUTATIVE = new Set(['Add', 'Multiply']);
const BINARY_OPS: Record<string, number> = {
  Add: BINARY.add,
  Sub: BINARY.sub,
  Multiply: BINARY.mul,
  SquaredDifference: BINARY.squaredDifference,
};
/** Below this many elements the JavaScript loop is as fast as a call into the addon. */
const SMALL = 4096;

function binary(ctx: KernelContext, name: string): Kernel {
  const op = BINARY_OPS[name] as number;
  return (args) => {
    let { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { backend } = args;
    if (name === 'Add' && a.shape.join() === b.shape.join()) {
      // Accumulating a zero gradient (batch-norm-training.ts): the other term is the sum, no pass.
      const other = knownZero.has(b.dataId) ? a : knownZero.has(a.dataId) ? b : undefined;
      if (other) {
        (backend as CpuBackend).incRef(other.dataId);
        return { dataId: other.dataId, shape: other.shape, dtype: other.dtype };
      }
    }
    if (!float(a, b) || a.dtype !== b.dtype) return ctx.stock(name)(args as never) as TensorInfo;
    if (!tiles(a.shape, b.shape) && COMMUTATIVE.has(name) && tiles(b.shape, a.shape)) [a, b] = [b, a];
    const n = size(a.shape);
    if (!tiles(a.shape, b.shape) || n < SMALL || size(b.shape) === 0)
      return ctx.stock(name)(args as never) as TensorInfo;
    const out = alloc(n);
    ctx.addon.binary(op, values(backend, a), values(backend, b), out, n, size(b.shape));
    return make(backend, [...a.shape], out);
  };
}

function relu(ctx: KernelContext): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const n = size(x.shape);
    if (x.dtype !== 'float32' || n < SMALL) return ctx.stock('Relu')(args as never) as TensorInfo;
    const out = alloc(n);
    ctx.addon.scalar(SCALAR.relu, values(args.backend, x), 0, out, n);
    return make(args.backend, [...x.shape], out);
  };
}

function square(ctx: KernelContext): Kernel {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const n = size(x.shape);
    if (x.dtype !== 'float32' || n < SMALL) return ctx.stock('Square')(args as never) as TensorInfo;
    const out = alloc(n);
    const xs = values(args.backend, x);
    ctx.addon.binary(BINARY.mul, xs, xs, out, n, n);
    return make(args.backend, [...x.shape], out);
  };
}

export const RELU_GRAD = 'D2lReluGrad';

/** dy where x > 0, else 0: ReLU's gradient in one pass (TF.js's is Step, then a multiply). */
function reluGrad(ctx: KernelContext): Kernel {
  return (args) => {
    const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
    const n = size(x.shape);
    const out = alloc(n);
    ctx.addon.binary(BINARY.reluGrad, values(args.backend, dy), values(args.backend, x), out, n, n);
    return make(args.backend, [...x.shape], out);
  };
}

// ---------------------------------------------------------------- the kernel table

/** Hooks that let batch-norm-training.ts recognise tf.moments's ops as they run. */
export interface MomentsHooks {
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
    MaxPoolGrad: maxPoolGrad(ctx),
    Sum: reduceLeading(ctx, 'Sum'),
    // Mean over leading axes only: the statistic tf.moments takes over a batch.
    Mean: recorded(reduceLeading(ctx, 'Mean'), ({ x }, out, { axis }) => {
      if (x && leadingRows(x, axis)) hooks.mean(x, out);
    }),
    Add: binary(ctx, 'Add'),
    Sub: recorded(binary(ctx, 'Sub'), ({ a, b }, out) => hooks.sub(a as TensorInfo, b as TensorInfo, out)),
    Multiply: binary(ctx, 'Multiply'),
    SquaredDifference: binary(ctx, 'SquaredDifference'),
    Square: recorded(square(ctx), ({ x }, out) => hooks.square(x as TensorInfo, out)),
    Relu: relu(ctx),
    [RELU_GRAD]: reluGrad(ctx),
  };
}

export { make, values };
