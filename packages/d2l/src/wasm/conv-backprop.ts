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
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type Pads = [number, number, number, number]; // top, bottom, left, right
type Shape4 = [number, number, number, number];
interface WasmBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}
interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}

/** The original stock kernel, kept as a fallback for shapes the composite does not cover. */
let stockBackpropInput: tf.KernelConfig | undefined;
export function setStockBackpropInput(config: tf.KernelConfig | undefined): void {
  stockBackpropInput = config;
}

function call(
  name: string,
  backend: unknown,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel)
    throw new Error(`wasm kernel ${name} is not registered; import @tensorflow/tfjs-backend-wasm before training`);
  return kernel.kernelFunc({ inputs, attrs, backend } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

function free(backend: unknown, ...infos: TensorInfo[]): void {
  for (const info of infos) (backend as WasmBackend).disposeData(info.dataId);
}

/** Frees `input` after computing `f(input)`: chains of intermediates read as one expression. */
function then(backend: unknown, input: TensorInfo, f: (t: TensorInfo) => TensorInfo): TensorInfo {
  try {
    return f(input);
  } finally {
    free(backend, input);
  }
}

function conv(backend: unknown, x: TensorInfo, filter: TensorInfo, pads: Pads, dilation: [number, number]): TensorInfo {
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

function needNhwc(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(
      `wasm ${kernel} supports dataFormat 'NHWC' only (got '${String(dataFormat)}'); use channelsLast layers`,
    );
  }
}

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
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
  const { top, left } = info.padInfo;
  const [, h, w] = x.shape as Shape4;
  // Bottom/right padding that makes the output exactly kh×kw; negative means rows the forward never read.
  const bottom = kh + (oh - 1) * sh - h - top;
  const right = kw + (ow - 1) * sw - w - left;

  let xt = call('Transpose', backend, { x }, { perm: [3, 1, 2, 0] }); // [C,H,W,N]
  if (bottom < 0 || right < 0) {
    xt = then(backend, xt, (t) =>
      call(
        'Slice',
        backend,
        { x: t },
        { begin: [0, 0, 0, 0], size: [-1, h + Math.min(bottom, 0), w + Math.min(right, 0), -1] },
      ),
    );
  }
  const dyt = call('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [OH,OW,N,CO]
  let g: TensorInfo;
  try {
    g = conv(backend, xt, dyt, [top, Math.max(bottom, 0), left, Math.max(right, 0)], [sh, sw]); // [C,KH,KW,CO]
  } finally {
    free(backend, xt, dyt);
  }
  return then(backend, g, (t) => call('Transpose', backend, { x: t }, { perm: [1, 2, 0, 3] }));
}

/**
 * The filter for the input gradient: W'[kh,kw,co,c] = W[KH-1-kh, KW-1-kw, c, co]. The spatial flip
 * is a product with a KH·KW anti-diagonal 0/1 matrix (exact, and an XNNPACK GEMM): wasm's Reverse
 * and Gather copy element by element and were 10× slower than the convolution they feed.
 */
function flipFilter(backend: unknown, filter: TensorInfo): TensorInfo {
  const [kh, kw, c, co] = filter.shape as Shape4;
  const taps = kh * kw;
  if (taps === 1) return call('Transpose', backend, { x: filter }, { perm: [0, 1, 3, 2] });
  const anti = new Float32Array(taps * taps);
  for (let i = 0; i < taps; i++) anti[i * taps + (taps - 1 - i)] = 1;
  const p = (
    backend as { makeOutput(shape: number[], dtype: 'float32', offset?: number, values?: Float32Array): TensorInfo }
  ).makeOutput([1, taps, taps], 'float32', undefined, anti);
  const rows = call('Reshape', backend, { x: filter }, { shape: [1, taps, c * co] });
  let flipped: TensorInfo;
  try {
    flipped = call('BatchMatMul', backend, { a: p, b: rows }, { transposeA: false, transposeB: false });
  } finally {
    free(backend, p, rows);
  }
  const shaped = then(backend, flipped, (t) => call('Reshape', backend, { x: t }, { shape: [kh, kw, c, co] }));
  return then(backend, shaped, (t) => call('Transpose', backend, { x: t }, { perm: [0, 1, 3, 2] }));
}

/**
 * t [N,OH,OW,C] with s−1 zeros after every row and column, then cut or zero-extended at the
 * bottom/right to [N,rows,cols,C].
 */
function zeroUpsample(backend: unknown, t: TensorInfo, sh: number, sw: number, rows: number, cols: number): TensorInfo {
  const [n, oh, ow, c] = t.shape as Shape4;
  const r6 = call('Reshape', backend, { x: t }, { shape: [n, oh, 1, ow, 1, c] });
  const padded = then(backend, r6, (u) =>
    call(
      'PadV2',
      backend,
      { x: u },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    ),
  );
  const up = then(backend, padded, (u) => call('Reshape', backend, { x: u }, { shape: [n, oh * sh, ow * sw, c] }));
  const [cutH, cutW] = [Math.min(rows, oh * sh), Math.min(cols, ow * sw)];
  const cut =
    cutH === oh * sh && cutW === ow * sw
      ? up
      : then(backend, up, (u) => call('Slice', backend, { x: u }, { begin: [0, 0, 0, 0], size: [n, cutH, cutW, c] }));
  if (cutH === rows && cutW === cols) return cut;
  return then(backend, cut, (u) =>
    call(
      'PadV2',
      backend,
      { x: u },
      {
        paddings: [
          [0, 0],
          [0, rows - cutH],
          [0, cols - cutW],
          [0, 0],
        ],
        constantValue: 0,
      },
    ),
  );
}

/** dx[n,h,w,c] = Σ dy[n,oh,ow,co] · W[kh,kw,c,co] over oh·s + kh − padTop = h. */
export function conv2dBackpropInput(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as ConvAttrs & { inputShape: [number, number, number, number] };
  needNhwc(attrs.dataFormat, 'Conv2DBackpropInput');
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  const [, h, w] = attrs.inputShape;
  const flipped = flipFilter(backend, filter);
  if (kh === 1 && kw === 1 && top === 0 && left === 0) {
    // A 1×1 convolution commutes with zero-upsampling: multiply the small dy first, then spread it out.
    const small = then(backend, flipped, (f) => conv(backend, dy, f, [0, 0, 0, 0], [1, 1]));
    if (sh === 1 && sw === 1 && oh === h && ow === w) return small;
    return then(backend, small, (t) => zeroUpsample(backend, t, sh, sw, h, w));
  }
  // dy spread to stride 1 covers rows 0..(OH−1)·s; the padding puts the flipped kernel's taps on
  // exactly the input rows each dy row came from (KH−1−padTop above, whatever remains below).
  const padTop = kh - 1 - top;
  const padLeft = kw - 1 - left;
  const upRows = Math.min(oh * sh, h + top);
  const upCols = Math.min(ow * sw, w + left);
  const padBottom = h - upRows + top;
  const padRight = w - upCols + left;
  if (padTop < 0 || padLeft < 0) {
    free(backend, flipped);
    // Padding wider than the kernel (explicit pads only): rare; the stock kernel is exact there.
    if (!stockBackpropInput)
      throw new Error('wasm Conv2DBackpropInput: padding wider than the kernel is not supported');
    return stockBackpropInput.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  const up =
    sh === 1 && sw === 1 && upRows === oh && upCols === ow ? dy : zeroUpsample(backend, dy, sh, sw, upRows, upCols);
  try {
    return conv(backend, up, flipped, [padTop, padBottom, padLeft, padRight], [1, 1]);
  } finally {
    free(backend, flipped);
    if (up !== dy) free(backend, up);
  }
}
