// Forward convolution without the taps that only ever meet padding (conv-geometry.ts).
import { withLiveFilter } from './conv-geometry.ts';
import { callStock, type KernelArgs, type TensorInfo } from './kernel-call.ts';

type Name = 'Conv2D' | 'FusedConv2D';

function trimmed(name: Name, args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  return withLiveFilter(args, x.shape, (a) => callStock(name, a));
}

export const conv2dLive = (args: KernelArgs): TensorInfo => trimmed('Conv2D', args);
export const fusedConv2dLive = (args: KernelArgs): TensorInfo => trimmed('FusedConv2D', args);
