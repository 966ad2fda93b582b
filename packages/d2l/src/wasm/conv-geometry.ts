// Convolution geometry shared by the wasm kernels: TF.js's own padding rules, and the filter taps
// that meet real input. XNNPACK multiplies padding like data: a 3×3 'same' convolution of a 1×1
// image (ResNet-18's last stage at 28 px) does 9× the useful work, in the forward and in both
// gradients. Cutting the filter to its live taps drops only exact zeros from every sum.
import * as tf from '@tensorflow/tfjs';
import { call, free, type KernelArgs, type Shape4, type TensorInfo } from './kernel-call.ts';

export function needNhwc(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(
      `wasm ${kernel} supports dataFormat 'NHWC' only (got '${String(dataFormat)}'); use channelsLast layers`,
    );
  }
}

export type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

export function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
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

/**
 * Taps [first, last] of a k-tap axis that read at least one real row for some output; the others
 * only ever meet padding (at 28 px, ResNet-18's last stage is 1×1: 8 of 9 taps of every 3×3).
 */
export function liveTaps(k: number, size: number, out: number, stride: number, pad: number): [number, number] {
  const first = Math.max(0, pad - (out - 1) * stride);
  const last = Math.min(k - 1, size - 1 + pad);
  return last >= first ? [first, last] : [0, k - 1];
}

/** The live part of a convolution's filter, with the explicit padding that goes with it. */
export interface LiveWindow {
  begin: [number, number, number, number];
  size: [number, number, number, number];
  pad: [[number, number], [number, number], [number, number], [number, number]];
}

/** The filter window whose taps meet real input for some output, or undefined when that is all of it. */
export function liveWindow(xShape: number[], filterShape: number[], attrs: ConvAttrs): LiveWindow | undefined {
  const info = convInfo(xShape, filterShape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const [, h, w, c] = xShape as Shape4;
  const [h0, h1] = liveTaps(kh, h, oh, sh, info.padInfo.top);
  const [w0, w1] = liveTaps(kw, w, ow, sw, info.padInfo.left);
  const [th, tw] = [h1 - h0 + 1, w1 - w0 + 1];
  const top = info.padInfo.top - h0;
  const left = info.padInfo.left - w0;
  const bottom = (oh - 1) * sh + th - h - top;
  const right = (ow - 1) * sw + tw - w - left;
  if ((th === kh && tw === kw) || bottom < 0 || right < 0) return undefined;
  return {
    begin: [h0, w0, 0, 0],
    size: [th, tw, c, filterShape[3] as number],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
  };
}

/** Runs `kernel` with the filter cut to its live taps (or unchanged when all are live). */
export function withLiveFilter(
  args: KernelArgs,
  xShape: number[],
  kernel: (args: KernelArgs) => TensorInfo,
  fallback: (args: KernelArgs) => TensorInfo = kernel,
): TensorInfo {
  const attrs = args.attrs as ConvAttrs & { dilations?: number | [number, number] };
  const { filter } = args.inputs as { filter: TensorInfo };
  const dilations = attrs.dilations ?? 1;
  const dilated = Array.isArray(dilations) ? dilations.some((d) => d !== 1) : dilations !== 1;
  if (dilated || (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC')) return fallback(args);
  const live = liveWindow(xShape, filter.shape, attrs);
  if (!live) return fallback(args);
  const sub = call('Slice', args.backend, { x: filter }, { begin: live.begin, size: live.size });
  try {
    return kernel({
      ...args,
      inputs: { ...args.inputs, filter: sub },
      attrs: { ...attrs, pad: live.pad, dimRoundingMode: undefined },
    });
  } finally {
    free(args.backend, sub);
  }
}
