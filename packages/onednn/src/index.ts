// The oneDNN addon, when its install step could build it (scripts/build.mjs). Loading never throws:
// `loadOnednn()` gives either the addon or the one-line reason it is not there, so callers can fall
// back (and say why) the way they do for tfjs-node.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ADDON = join(ROOT, 'build/Release/onednn.node');

/** [n, ih, iw, ic, oh, ow, oc, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight] */
export type ConvDims = number[];
/** [n, ih, iw, c, oh, ow, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight] */
export type PoolDims = number[];

/** Element-wise ops of `binary`; the `swapped` ones compute b op a (the broadcast operand on the left). */
export const BINARY = {
  add: 0,
  sub: 1,
  mul: 2,
  squaredDifference: 3,
  reluGrad: 4,
  swappedSub: 5,
  swappedMul: 6,
  swappedSquaredDifference: 7,
  div: 8,
  swappedDiv: 9,
} as const;
/** Ops of `scalar`: a·s, a + s, max(a, 0), a − s·b. */
export const SCALAR = { mul: 0, add: 1, relu: 2, axpy: 3 } as const;

export interface OnednnAddon {
  info(): { version: string; isa: string; threads: number; primitives: number };
  setThreads(n: number): number;
  /** Which passes build later primitives on blocked layouts: '' by plane size (the default), 'none', or letters of 'fdw'. */
  setBlocked(passes: string): void;
  /** y = conv(x, filter) + bias, then ReLU when `relu`; `filterKey` > 0 names the filter's contents (same key, same values). */
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    dims: ConvDims,
    relu: boolean,
    filterKey: number,
  ): void;
  conv2dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, dims: ConvDims, filterKey: number): void;
  conv2dBackwardWeights(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    dims: ConvDims,
    dbias: Float32Array | null,
  ): void;
  /** The implementation oneDNN picked for a forward ('f'), input-gradient ('d') or filter-gradient ('w') convolution. */
  convImpl(kind: 'f' | 'd' | 'w', dims: ConvDims): string;
  maxPool(x: Float32Array, y: Float32Array, dims: PoolDims): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, dims: PoolDims): void;
  /** out[o,k] = scale · Σ_i x[o,i,k], x seen as [outer, p, q]. */
  sumAxes(x: Float32Array, outer: number, p: number, q: number, out: Float32Array, scale: number): void;
  /** out[k] = scale · Σ_i (x[i,k] − mean[k])², x seen as [p, q]: tf.moments's variance without its two full-size intermediates. */
  meanSquaredDeviation(
    x: Float32Array,
    mean: Float32Array,
    p: number,
    q: number,
    out: Float32Array,
    scale: number,
  ): void;
  /** y = x·factor + shift per channel (x seen as [p, q]), plus `add` when given, then max(·, 0) when `relu`. */
  scaleShift(
    x: Float32Array,
    factor: Float32Array,
    shift: Float32Array,
    y: Float32Array,
    p: number,
    q: number,
    relu: boolean,
    add?: Float32Array,
  ): void;
  batchNormSums(
    x: Float32Array,
    dy: Float32Array,
    mean: Float32Array,
    p: number,
    q: number,
    sumDy: Float32Array,
    sumDyX: Float32Array,
  ): void;
  batchNormBackward(
    x: Float32Array,
    dy: Float32Array,
    mean: Float32Array,
    k1: Float32Array,
    k2: Float32Array,
    k0: Float32Array,
    dx: Float32Array,
    p: number,
    q: number,
  ): void;
  /** out[o,i,k] = a[o,i,k] op b[o,k]: a seen as [outer, p, q], b as [outer, q] repeated along the middle. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, outer: number, p: number, q: number): void;
  scalar(op: number, a: Float32Array, s: number, out: Float32Array, n: number, b?: Float32Array): void;
  /** TF.js's cpu ResizeBilinear of NHWC `x` into `y`; dims [n, inHeight, inWidth, channels, outHeight, outWidth]. */
  resizeBilinear(
    x: Float32Array,
    y: Float32Array,
    dims: number[],
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): void;
  /** outs[i] = values[i] − learningRate·gradients[i], all variables in one pass (outs[i] may be values[i]). */
  sgd(learningRate: number, values: Float32Array[], gradients: Float32Array[], outs: Float32Array[]): void;
}

export type OnednnLoad = { ok: true; addon: OnednnAddon } | { ok: false; reason: string };

let loaded: OnednnLoad | undefined;

/** The addon, or why it is not available (read from the install step's note when it left one). */
export function loadOnednn(): OnednnLoad {
  if (loaded) return loaded;
  if (!existsSync(ADDON)) {
    const status = join(ROOT, 'build-status.txt');
    const why = existsSync(status)
      ? readFileSync(status, 'utf8').trim()
      : 'the addon is not built; run `npx pnpm@10 rebuild @course/onednn` (needs libdnnl-dev and a C++ compiler)';
    loaded = { ok: false, reason: `oneDNN kernels not built: ${why}` };
    return loaded;
  }
  // libgomp reads its wait policy once, when the addon's libdnnl pulls it in. Its default (spin a
  // while at every barrier, then sleep) is what PyTorch trains with, and it is kept: a process training
  // alone loses a quarter of its 28 px speed to sleeping threads (measured). Where several jobs share
  // the cores, the batch grader sets OMP_WAIT_POLICY=passive for its children (grader/src/batch).
  try {
    loaded = { ok: true, addon: createRequire(import.meta.url)(ADDON) as OnednnAddon };
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    loaded = {
      ok: false,
      reason: `oneDNN addon failed to load (${first.slice(0, 160)}); rebuild it: \`npx pnpm@10 rebuild @course/onednn\``,
    };
  }
  return loaded;
}
