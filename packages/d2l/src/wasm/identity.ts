// Identity (and Cast to the same dtype) for the wasm backend by sharing the buffer, as the cpu
// backend does: the stock wasm kernels copy it. The engine clones every tensor it saves for the
// backward pass through Identity, so a training step copied ~540 tensors (70 ms at 96 px). Tensors
// are immutable and every kernel writes a fresh output, so sharing is safe; the reference count
// keeps the buffer alive until the last tensor on it is disposed.
import { callStock, type KernelArgs, type TensorInfo } from './kernel-call.ts';

interface SharingBackend {
  incRef(dataId: object): void;
}

function share(args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  (args.backend as SharingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function identity(args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  return x.dtype === 'string' ? callStock('Identity', args) : share(args);
}

export function cast(args: KernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { dtype } = args.attrs as { dtype: string };
  return dtype === x.dtype && x.dtype !== 'string' ? share(args) : callStock('Cast', args);
}
