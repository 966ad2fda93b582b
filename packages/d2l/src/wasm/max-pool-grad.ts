// MaxPoolGrad for the wasm backend, in JavaScript on the wasm heap: the stock kernel is a scalar
// C++ loop that recomputes each window's maximum per input element (the stem's pool took 250 ms a
// step at 96 px). Same rule as TF.js: each output's gradient goes to the first strictly largest
// input of its window, scanning rows then columns.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo } from './kernel-call.ts';

interface HeapBackend {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}
interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Adds each dy to dx at its window's first maximum of x (all NHWC; dx must start at zero). */
export function scatterToMaxima(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo) {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  // Channels innermost: each pass over a tap reads ch contiguous floats.
  const best = new Float32Array(ch);
  const at = new Int32Array(ch);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const r0 = oy * strideHeight - info.padInfo.top;
      const rLo = Math.max(0, r0);
      const rHi = Math.min(inHeight, r0 + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const c0 = ox * strideWidth - info.padInfo.left;
        const cLo = Math.max(0, c0);
        const cHi = Math.min(inWidth, c0 + filterWidth);
        if (rLo >= rHi || cLo >= cHi) continue;
        let first = true;
        for (let r = rLo; r < rHi; r++) {
          for (let c = cLo; c < cHi; c++) {
            const off = ((b * inHeight + r) * inWidth + c) * ch;
            if (first) {
              for (let d = 0; d < ch; d++) {
                best[d] = x[off + d] as number;
                at[d] = off + d;
              }
              first = false;
              continue;
            }
            for (let d = 0; d < ch; d++) {
              const v = x[off + d] as number;
              if (v > (best[d] as number)) {
                best[d] = v;
                at[d] = off + d;
              }
            }
          }
        }
        const g = ((b * outHeight + oy) * outWidth + ox) * ch;
        for (let d = 0; d < ch; d++) {
          const i = at[d] as number;
          dx[i] = (dx[i] as number) + (dy[g + d] as number);
        }
      }
    }
  }
}

export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const attrs = args.attrs as unknown as PoolAttrs;
  const backend = args.backend as HeapBackend;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const out = backend.makeOutput(input.shape, 'float32');
  // Views after the allocation: a growing heap replaces the buffer that older views point into.
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  scatterToMaxima(backend.typedArrayFromHeap(input), backend.typedArrayFromHeap(dy), dx, info);
  return out;
}
