// MaxPoolGrad for the wasm backend, in JavaScript on the wasm heap: the stock kernel is a scalar
// C++ loop that recomputes each window's maximum per input element (the stem's pool took 250 ms a
// step at 96 px; this takes ~80 ms).
import { type PoolAttrs, poolInfo, scatterToMaxima } from '../max-pool-grad.ts';
import { type KernelArgs, output, type TensorInfo, view } from './kernel-call.ts';

export function maxPoolGrad(args: KernelArgs): TensorInfo {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const { backend } = args;
  const out = output(backend, input.shape);
  const dx = view(backend, out);
  dx.fill(0);
  scatterToMaxima(
    view(backend, input),
    view(backend, dy),
    dx,
    poolInfo(input.shape, args.attrs as unknown as PoolAttrs),
  );
  return out;
}
