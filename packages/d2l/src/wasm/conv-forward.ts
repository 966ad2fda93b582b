// Forward convolution without the taps that only ever meet padding. XNNPACK multiplies padding
// like data: a 3×3 'same' convolution of a 1×1 image (ResNet-18's last stage at 28 px) does 9×
// the useful work. Slicing the filter to its live taps drops only exact zeros from every sum.
import { type ConvAttrs, convInfo, liveTaps, needNhwc } from './conv-backprop.ts';
import { call, callStock, free, type KernelArgs, type Shape4, type TensorInfo } from './kernel-call.ts';

type Name = 'Conv2D' | 'FusedConv2D';

function trimmed(name: Name, args: KernelArgs): TensorInfo {
  const attrs = args.attrs as ConvAttrs & { dilations?: number | [number, number] };
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const dilations = attrs.dilations ?? 1;
  const dilated = Array.isArray(dilations) ? dilations.some((d) => d !== 1) : dilations !== 1;
  if (dilated || (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC')) return callStock(name, args);
  needNhwc(attrs.dataFormat, name);
  const info = convInfo(x.shape, filter.shape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const [, h, w, c] = x.shape as Shape4;
  const [h0, h1] = liveTaps(kh, h, oh, sh, info.padInfo.top);
  const [w0, w1] = liveTaps(kw, w, ow, sw, info.padInfo.left);
  const [th, tw] = [h1 - h0 + 1, w1 - w0 + 1];
  const top = info.padInfo.top - h0;
  const left = info.padInfo.left - w0;
  const bottom = (oh - 1) * sh + th - h - top;
  const right = (ow - 1) * sw + tw - w - left;
  if ((th === kh && tw === kw) || bottom < 0 || right < 0) return callStock(name, args);
  const sub = call('Slice', args.backend, { x: filter }, { begin: [h0, w0, 0, 0], size: [th, tw, c, -1] });
  try {
    return callStock(name, {
      ...args,
      inputs: { ...args.inputs, filter: sub },
      attrs: {
        ...attrs,
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dimRoundingMode: undefined,
      },
    });
  } finally {
    free(args.backend, sub);
  }
}

export const conv2dLive = (args: KernelArgs): TensorInfo => trimmed('Conv2D', args);
export const fusedConv2dLive = (args: KernelArgs): TensorInfo => trimmed('FusedConv2D', args);
