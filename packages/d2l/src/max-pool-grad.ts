// MaxPoolGrad's arithmetic, shared by the cpu and wasm kernels that replace the stock ones. Same
// rule as TF.js: each output's gradient goes to the first strictly largest input of its window,
// scanning rows then columns.
import * as tf from '@tensorflow/tfjs';

export interface PoolAttrs {
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

/** The pooling geometry of a MaxPoolGrad call. */
export function poolInfo(shape: readonly number[], attrs: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}
