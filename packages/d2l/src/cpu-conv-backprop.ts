// A faster Conv2DBackpropFilter for TF.js's pure-JavaScript `cpu` backend. The stock kernel reads
// every element through TensorBuffer.get (index arithmetic and an argument array per read), which
// makes the filter gradient of even a small convnet take seconds per batch. This one walks the same
// sums with flat offsets, channels innermost, and accumulates in float64. NHWC only: other layouts
// keep the stock kernel.
import * as tf from '@tensorflow/tfjs';
import { type CpuBackend, replaceCpuKernel } from './cpu-kernel-override.ts';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface FilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilterNhwc(
  xVals: ArrayLike<number>,
  dyVals: ArrayLike<number>,
  info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wOff = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xv = xVals[xOff + d1]!;
              if (xv === 0) continue; // common after ReLU
              const row = wOff + d1 * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) acc[row + d2]! += xv * dyVals[dyOff + d2]!;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/** Replace the cpu backend's Conv2DBackpropFilter (once per process). */
export function installFastCpuConvBackprop(): void {
  replaceCpuKernel('Conv2DBackpropFilter', (stock) => (args: KernelArgs) => {
    const attrs = args.attrs as unknown as FilterAttrs;
    if (attrs.dataFormat === 'NCHW') return stock(args);
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const backend = args.backend as unknown as CpuBackend;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const values = conv2dBackpropFilterNhwc(
      backend.data.get(x.dataId).values,
      backend.data.get(dy.dataId).values,
      info,
    );
    return backend.makeTensorInfo(info.filterShape, 'float32', values);
  });
}
