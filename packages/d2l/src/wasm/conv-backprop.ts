// Convolution gradients for the wasm backend, built only from kernels that run through XNNPACK.
// Stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (tfjs issue 8474) and its
// Conv2DBackpropInput is a scalar C++ loop; both gradients are themselves convolutions:
// - filter gradient: treat the batch as channels. xᵀ [C,H,W,N] (C images of N channels) convolved
//   with dyᵀ [OH,OW,N,CO] as the filter, dilation = stride, gives [C,KH,KW,CO]; one transpose
//   makes it [KH,KW,C,CO]. XNNPACK sees a GEMM that reduces over N·OH·OW.
// - input gradient: a stride-1 convolution of dy (zero-upsampled when strided) with the filter
//   flipped in space and with in/out channels swapped, padded by KH-1-padTop.
// Kernels here call other wasm kernels directly and free every intermediate through the backend,
// so the engine sees one output per call, as from any other kernel.
import { type ConvAttrs, convInfo, liveTaps, needNhwc, withLiveFilter } from './conv-geometry.ts';
import {
  call,
  callStock,
  free,
  type KernelArgs,
  output,
  pipe,
  type Shape4,
  type TensorInfo,
  view,
} from './kernel-call.ts';

type Pads = [number, number, number, number]; // top, bottom, left, right

export function conv(
  backend: unknown,
  x: TensorInfo,
  filter: TensorInfo,
  pads: Pads,
  dilation: [number, number],
): TensorInfo {
  const [t, b, l, r] = pads;
  return call(
    'Conv2D',
    backend,
    { x, filter },
    {
      strides: [1, 1],
      dilations: dilation,
      pad: [
        [0, 0],
        [t, b],
        [l, r],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    },
  );
}

/** dW[kh,kw,c,co] = Σ_{n,oh,ow} xpad[n, oh·s+kh, ow·s+kw, c] · dy[n,oh,ow,co]. */
export function conv2dBackpropFilter(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as ConvAttrs & { filterShape: [number, number, number, number] };
  needNhwc(attrs.dataFormat, 'Conv2DBackpropFilter');
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const [, h, w] = x.shape as Shape4;
  // Only live taps are computed; the rest of dW is exactly zero.
  const [h0, h1] = liveTaps(kh, h, oh, sh, info.padInfo.top);
  const [w0, w1] = liveTaps(kw, w, ow, sw, info.padInfo.left);
  const top = info.padInfo.top - h0;
  const left = info.padInfo.left - w0;
  // Bottom/right padding that makes the output exactly the live taps; negative means rows never read.
  const bottom = h1 - h0 + 1 + (oh - 1) * sh - h - top;
  const right = w1 - w0 + 1 + (ow - 1) * sw - w - left;

  let xt = call('Transpose', backend, { x }, { perm: [3, 1, 2, 0] }); // [C,H,W,N]
  if (bottom < 0 || right < 0) {
    const size = [-1, h + Math.min(bottom, 0), w + Math.min(right, 0), -1];
    xt = pipe(backend, xt, (t) => call('Slice', backend, { x: t }, { begin: [0, 0, 0, 0], size }));
  }
  const dyt = call('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [OH,OW,N,CO]
  let g: TensorInfo;
  try {
    g = conv(backend, xt, dyt, [top, Math.max(bottom, 0), left, Math.max(right, 0)], [sh, sw]); // [C,KH',KW',CO]
  } finally {
    free(backend, xt, dyt);
  }
  const dw = pipe(backend, g, (t) => call('Transpose', backend, { x: t }, { perm: [1, 2, 0, 3] }));
  if (h1 - h0 + 1 === kh && w1 - w0 + 1 === kw) return dw;
  const paddings = [
    [h0, kh - 1 - h1],
    [w0, kw - 1 - w1],
    [0, 0],
    [0, 0],
  ];
  return pipe(backend, dw, (t) => call('PadV2', backend, { x: t }, { paddings, constantValue: 0 }));
}

/** The taps of one output phase r (rows r, r+s, r+2s, … of dx) along one axis. */
interface Phase {
  /** Taps k = first + s·j, j < count, read dy rows i + q − j. */
  first: number;
  count: number;
  q: number;
  /** Rows of dx in this phase. */
  len: number;
}

function phasesOf(size: number, k: number, s: number, pad: number): Phase[] {
  return Array.from({ length: s }, (_, r) => {
    const first = (r + pad) % s;
    return {
      first,
      count: first < k ? Math.ceil((k - first) / s) : 0,
      q: Math.floor((r + pad) / s),
      len: Math.max(0, Math.ceil((size - r) / s)),
    };
  });
}

/** Tap indices (kh·KW + kw) phase by phase, each phase's taps last first (the flipped sub-filters). */
export function phaseTapOrder(kw: number, rows: Phase[], cols: Phase[]): number[] {
  const order: number[] = [];
  for (const ph of rows) {
    for (const pw of cols) {
      for (let a = 0; a < ph.count; a++) {
        for (let b = 0; b < pw.count; b++) {
          order.push((ph.first + rows.length * (ph.count - 1 - a)) * kw + pw.first + cols.length * (pw.count - 1 - b));
        }
      }
    }
  }
  return order;
}

/**
 * Every phase's sub-filter, flipped and with in/out channels swapped, in one pass over the heap:
 * out[row, co, c] = W[tap(row), c, co], each tap's [C,CO] block transposed in cache-sized tiles.
 * (Through kernels this was a 0/1-matrix GEMM plus a Transpose: ~25 ms for 3×3×512×512.)
 * Returns [KH·KW, CO, C] rows; phase (a, b) owns `count_a·count_b` consecutive rows.
 */
function phaseFilters(backend: unknown, filter: TensorInfo, rows: Phase[], cols: Phase[]): TensorInfo {
  const [kh, kw, c, co] = filter.shape as Shape4;
  const out = output(backend, [kh * kw, co, c]);
  const w = view(backend, filter);
  const dst = view(backend, out);
  const block = c * co;
  for (const [row, tap] of phaseTapOrder(kw, rows, cols).entries())
    transposeInto(w, tap * block, c, co, dst, row * block);
  return out;
}

/** dst[to + j·rows + i] = src[from + i·cols + j]: one row-major [rows, cols] block transposed, in cache-sized tiles. */
function transposeInto(src: Float32Array, from: number, rows: number, cols: number, dst: Float32Array, to: number) {
  const TILE = 32;
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(cols, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const at = from + i * cols;
        for (let j = j0; j < j1; j++) dst[to + j * rows + i] = src[at + j] as number;
      }
    }
  }
}

/** The part of [from, from+size) inside [0, have), and the zero rows needed before and after it. */
function clip(from: number, size: number, have: number): { lo: number; hi: number; before: number; after: number } {
  const lo = Math.min(Math.max(from, 0), have);
  const hi = Math.max(Math.min(from + size, have), lo);
  return { lo, hi, before: lo - from, after: from + size - hi };
}

/** dx of one phase: a stride-1 convolution of dy with the phase's sub-filter. */
function phaseGradient(
  backend: unknown,
  dy: TensorInfo,
  filters: TensorInfo,
  offset: number,
  ph: Phase,
  pw: Phase,
  c: number,
): TensorInfo {
  const [n, oh, ow, co] = dy.shape as Shape4;
  // dx_r[i] = Σ_j dy[i + q − (count−1) + j] · flipped[j]: a window of dy, zero beyond its edges,
  // keeping only the flipped taps j that meet a real dy row for some i.
  const live = (p: Phase, have: number): [number, number] => [
    Math.max(0, p.count - 1 - p.q - (p.len - 1)),
    Math.min(p.count - 1, have - 1 - p.q + p.count - 1),
  ];
  const [a0, a1] = live(ph, oh);
  const [b0, b1] = live(pw, ow);
  if (ph.len === 0 || pw.len === 0 || a1 < a0 || b1 < b0) {
    return call('Fill', backend, {}, { shape: [n, ph.len, pw.len, c], value: 0, dtype: 'float32' });
  }
  const r = clip(ph.q - (ph.count - 1) + a0, ph.len + a1 - a0, oh);
  const q = clip(pw.q - (pw.count - 1) + b0, pw.len + b1 - b0, ow);
  const sub = call('Slice', backend, { x: filters }, { begin: [offset, 0, 0], size: [ph.count * pw.count, co, c] });
  const block = pipe(backend, sub, (t) => call('Reshape', backend, { x: t }, { shape: [ph.count, pw.count, co, c] }));
  const taps = [a1 - a0 + 1, b1 - b0 + 1, co, c];
  const kernel =
    taps[0] === ph.count && taps[1] === pw.count
      ? block
      : pipe(backend, block, (t) => call('Slice', backend, { x: t }, { begin: [a0, b0, 0, 0], size: taps }));
  const whole = r.lo === 0 && r.hi === oh && q.lo === 0 && q.hi === ow;
  const input = whole
    ? dy
    : call('Slice', backend, { x: dy }, { begin: [0, r.lo, q.lo, 0], size: [n, r.hi - r.lo, q.hi - q.lo, co] });
  try {
    return conv(backend, input, kernel, [r.before, r.after, q.before, q.after], [1, 1]);
  } finally {
    free(backend, kernel);
    if (input !== dy) free(backend, input);
  }
}

/** t [N,len_h,len_w,C] zero-extended at the bottom/right to [N,lh,lw,C]. */
function extend(backend: unknown, t: TensorInfo, lh: number, lw: number): TensorInfo {
  const [, th, tw] = t.shape as Shape4;
  if (th === lh && tw === lw) return call('Reshape', backend, { x: t }, { shape: t.shape }); // a second reference
  return call(
    'PadV2',
    backend,
    { x: t },
    {
      paddings: [
        [0, 0],
        [0, lh - th],
        [0, lw - tw],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
}

/** Interleaves phase outputs: dx[n, s·i + a, s·j + b] = phase[a][b][n, i, j]. */
function interleave(backend: unknown, parts: TensorInfo[][], h: number, w: number): TensorInfo {
  const sh = parts.length;
  const sw = parts[0]?.length ?? 1;
  const first = parts[0]?.[0] as TensorInfo;
  const [n, lh, lw, c] = first.shape as Shape4;
  const rows = parts.map((row) => {
    const cols = row.map((p) => {
      const full = extend(backend, p, lh, lw);
      return pipe(backend, full, (t) => call('Reshape', backend, { x: t }, { shape: [n, lh, lw, 1, c] }));
    });
    const joined = call('Concat', backend, cols as unknown as Record<string, TensorInfo>, { axis: 3 });
    free(backend, ...cols);
    return pipe(backend, joined, (t) => call('Reshape', backend, { x: t }, { shape: [n, lh, 1, lw * sw, c] }));
  });
  const joined = call('Concat', backend, rows as unknown as Record<string, TensorInfo>, { axis: 2 });
  free(backend, ...rows);
  const full = pipe(backend, joined, (t) => call('Reshape', backend, { x: t }, { shape: [n, lh * sh, lw * sw, c] }));
  if (lh * sh === h && lw * sw === w) return full;
  return pipe(backend, full, (t) => call('Slice', backend, { x: t }, { begin: [0, 0, 0, 0], size: [n, h, w, c] }));
}

/**
 * dx[n,h,w,c] = Σ dy[n,oh,ow,co] · W[kh,kw,c,co] over oh·s + kh − padTop = h. Strided layers are
 * split by output phase (polyphase): s² stride-1 convolutions of dy with sub-filters, interleaved,
 * instead of one convolution of a zero-upsampled dy that would be 3/4 multiplications by zero.
 */
export function conv2dBackpropInput(args: KernelArgs): TensorInfo {
  const attrs = args.attrs as ConvAttrs & { inputShape: Shape4 };
  needNhwc(attrs.dataFormat, 'Conv2DBackpropInput');
  if (attrs.inputShape[3] <= FEW_CHANNELS) return backpropInputCol2im(args);
  // Taps that only meet padding add nothing to dx either: cut them before flipping the filter.
  return withLiveFilter(args, attrs.inputShape, backpropInputAllTaps);
}

/** Input channels up to which dx is one GEMM plus a scatter (the image's channels: a stem convolution). */
const FEW_CHANNELS = 4;

/**
 * dx for a layer with few input channels (ResNet's stem: 1 channel, 7×7, stride 2). As
 * convolutions, each output phase would have C output channels, a GEMM only C wide that XNNPACK
 * runs at a fraction of its speed (the stem's dx took 130 ms at 96 px). Instead: cols = dy · Wᵀ
 * ([N·OH·OW, CO] × [CO, KH·KW·C], one well-shaped GEMM) and each row of cols is added into the
 * input window it came from (col2im).
 */
function backpropInputCol2im(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const attrs = args.attrs as ConvAttrs & { inputShape: Shape4 };
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const [n, h, w, c] = attrs.inputShape;
  const co = filter.shape[3] as number;
  const taps = kh * kw * c;
  // Wᵀ [1, CO, KH·KW·C] from W [KH·KW·C, CO]: small (the filter of a few-channel layer).
  const wt = output(backend, [1, co, taps]);
  transposeInto(view(backend, filter), 0, taps, co, view(backend, wt), 0);
  const rows = call('Reshape', backend, { x: dy }, { shape: [1, n * oh * ow, co] });
  let cols: TensorInfo;
  try {
    cols = call('BatchMatMul', backend, { a: rows, b: wt }, { transposeA: false, transposeB: false });
  } finally {
    free(backend, rows, wt);
  }
  const out = output(backend, [n, h, w, c]);
  const dx = view(backend, out);
  const col = view(backend, cols);
  dx.fill(0);
  const { top, left } = info.padInfo;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const base = ((b * oh + y) * ow + x) * taps;
        for (let i = 0; i < kh; i++) {
          const r = y * sh + i - top;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < kw; j++) {
            const q = x * sw + j - left;
            if (q < 0 || q >= w) continue;
            const to = ((b * h + r) * w + q) * c;
            const from = base + (i * kw + j) * c;
            for (let k = 0; k < c; k++) dx[to + k] = (dx[to + k] as number) + (col[from + k] as number);
          }
        }
      }
    }
  }
  free(backend, cols);
  return out;
}

function backpropInputAllTaps(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as ConvAttrs & { inputShape: Shape4 };
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const [, h, w, c] = attrs.inputShape;
  if (top > kh - 1 || left > kw - 1) return callStock('Conv2DBackpropInput', args); // explicit pads wider than the kernel
  const rows = phasesOf(h, kh, sh, top);
  const cols = phasesOf(w, kw, sw, left);
  const filters = phaseFilters(backend, filter, rows, cols);
  const parts: TensorInfo[][] = [];
  try {
    let offset = 0;
    for (const ph of rows) {
      const row: TensorInfo[] = [];
      parts.push(row);
      for (const pw of cols) {
        row.push(phaseGradient(backend, dy, filters, offset, ph, pw, c));
        offset += ph.count * pw.count;
      }
    }
  } catch (err) {
    free(backend, ...parts.flat());
    throw err;
  } finally {
    free(backend, filters);
  }
  if (sh === 1 && sw === 1) return parts[0]?.[0] as TensorInfo;
  try {
    return interleave(backend, parts, h, w);
  } finally {
    free(backend, ...parts.flat());
  }
}
