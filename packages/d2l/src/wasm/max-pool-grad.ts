// MaxPoolGrad for the wasm backend, in JavaScript on the wasm heap: the stock kernel is a scalar
// C++ loop that recomputes each window's maximum per input element (the stem's pool took 250 ms a
// step at 96 px; this takes ~80 ms).
import { type PoolAttrs, poolInfo, scatterToMaxima } from '../max-pool-grad.ts';
import type { KernelArgs, TensorInfo } from './kernel-call.ts';

interface HeapBackend {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const backend = args.backend as HeapBackend;
  const out = backend.makeOutput(input.shape, 'float32');
  // Views after the allocation: a growing heap replaces the buffer that older views point into.
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  scatterToMaxima(
    backend.typedArrayFromHeap(input),
    backend.typedArrayFromHeap(dy),
    dx,
    poolInfo(input.shape, args.attrs as unknown as PoolAttrs),
  );
  return out;
}
