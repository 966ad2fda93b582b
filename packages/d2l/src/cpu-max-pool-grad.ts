// A faster MaxPoolGrad for the `cpu` backend (the stock one reads through TensorBuffer.get twice
// per element and window). Same rule as the stock kernel: each output's gradient goes to the first
// strictly largest input of its window, scanning rows then columns.
import * as tf from '@tensorflow/tfjs';
import { type CpuBackend, replaceCpuKernel } from './cpu-kernel-override.ts';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function maxPoolGradNhwc(
  xVals: ArrayLike<number>,
  dyVals: ArrayLike<number>,
  info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const dx = new Float64Array(batchSize * inHeight * inWidth * channels);
  const best = new Float64Array(channels);
  const where = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const r0 = yR * strideHeight - info.padInfo.top;
      for (let yC = 0; yC < outWidth; yC++) {
        const c0 = yC * strideWidth - info.padInfo.left;
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let xR = Math.max(0, r0); xR < Math.min(inHeight, r0 + filterHeight); xR++) {
          for (let xC = Math.max(0, c0); xC < Math.min(inWidth, c0 + filterWidth); xC++) {
            const off = ((b * inHeight + xR) * inWidth + xC) * channels;
            for (let d = 0; d < channels; d++) {
              const v = xVals[off + d]!;
              if (v > best[d]!) {
                best[d] = v;
                where[d] = off + d;
              }
            }
          }
        }
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * channels;
        for (let d = 0; d < channels; d++) if (where[d]! >= 0) dx[where[d]!]! += dyVals[dyOff + d]!;
      }
    }
  }
  return Float32Array.from(dx);
}

/** Replace the cpu backend's MaxPoolGrad (once per process). */
export function installFastCpuMaxPoolGrad(): void {
  replaceCpuKernel('MaxPoolGrad', () => (args) => {
    const attrs = args.attrs as unknown as PoolAttrs;
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const backend = args.backend as unknown as CpuBackend;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const values = maxPoolGradNhwc(backend.data.get(input.dataId).values, backend.data.get(dy.dataId).values, info);
    return backend.makeTensorInfo(input.shape, 'float32', values);
  });
}
