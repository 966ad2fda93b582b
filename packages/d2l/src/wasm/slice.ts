// Slice for the wasm backend without the stock kernel's full copy of its input: stock 4.22 calls
// readSync(x) (the whole tensor copied out of the heap) before taking even a contiguous part, so
// cutting one tap out of a 3×3×512×512 filter cost 7 ms instead of 0.1 ms. Here the parts are
// copied straight from heap to heap, one run of contiguous elements at a time.
import * as tf from '@tensorflow/tfjs';
import { callStock, type KernelArgs, output, type TensorInfo, view } from './kernel-call.ts';

/** Runs shorter than this go to the stock kernel, whose per-element loops beat a call per run. */
const MIN_RUN = 16;

export function slice(args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
  if (x.dtype === 'string') return callStock('Slice', args);
  const [from, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
  const rank = x.shape.length;
  // The trailing axes taken whole, plus the one before them, form each contiguous run.
  let axis = rank - 1;
  while (axis > 0 && from[axis] === 0 && extent[axis] === x.shape[axis]) axis--;
  const strides = tf.util.computeStrides(x.shape);
  const step = axis + 1 < rank ? (strides[axis] as number) : 1; // elements per index of `axis`
  const run = (extent[axis] as number) * step;
  const count = extent.reduce((a, b) => a * b, 1);
  if (count > 0 && run < MIN_RUN && run < count) return callStock('Slice', args);
  const { backend } = args;
  const out = output(backend, extent, x.dtype);
  if (count === 0) return out;
  const src = view<Float32Array | Int32Array | Uint8Array>(backend, x);
  const dst = view<Float32Array | Int32Array | Uint8Array>(backend, out);
  const index = new Array<number>(axis).fill(0);
  for (let at = 0; at < count; at += run) {
    let offset = (from[axis] as number) * step;
    for (let a = 0; a < axis; a++) offset += ((from[a] as number) + (index[a] as number)) * (strides[a] as number);
    dst.set(src.subarray(offset, offset + run), at);
    for (let a = axis - 1; a >= 0; a--) {
      index[a] = (index[a] as number) + 1;
      if ((index[a] as number) < (extent[a] as number)) break;
      index[a] = 0;
    }
  }
  return out;
}
