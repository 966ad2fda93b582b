// Calling wasm kernels from inside a kernel: straight to the kernel functions, not through the
// engine, so intermediates are backend buffers that the caller frees (and never engine tensors).
import * as tf from '@tensorflow/tfjs';

export type TensorInfo = tf.TensorInfo;
export type Shape4 = [number, number, number, number];
export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  attrs?: Record<string, unknown>;
  backend: unknown;
}
interface WasmBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType, offset?: number, values?: Float32Array): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Stock kernels replaced by ours, kept for the inputs our composites do not cover. */
const stock = new Map<string, tf.KernelConfig>();
export function setStock(name: string, config: tf.KernelConfig | undefined): void {
  if (config) stock.set(name, config);
  else stock.delete(name);
}
export function callStock(name: string, args: KernelArgs): TensorInfo {
  const config = stock.get(name);
  if (!config) throw new Error(`wasm ${name}: this case needs the stock kernel, which is not registered`);
  return config.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

export function call(
  name: string,
  backend: unknown,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel)
    throw new Error(`wasm kernel ${name} is not registered; import @tensorflow/tfjs-backend-wasm before training`);
  return kernel.kernelFunc({ inputs, attrs, backend } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
}

export function free(backend: unknown, ...infos: TensorInfo[]): void {
  for (const info of infos) (backend as WasmBackend).disposeData(info.dataId);
}

/** Frees `input` after computing `f(input)`: chains of intermediates read as one expression. (Not named
 * `then`: a module exporting `then` is a thenable, and `await import()` of it never settles.) */
export function pipe(backend: unknown, input: TensorInfo, f: (t: TensorInfo) => TensorInfo): TensorInfo {
  try {
    return f(input);
  } finally {
    free(backend, input);
  }
}

/** A new float32 buffer holding `values`. */
export function constant(backend: unknown, shape: number[], values: Float32Array): TensorInfo {
  return (backend as WasmBackend).makeOutput(shape, 'float32', undefined, values);
}

/** A new, uninitialised buffer on the wasm heap. */
export function output(backend: unknown, shape: number[], dtype: tf.DataType = 'float32'): TensorInfo {
  return (backend as WasmBackend).makeOutput(shape, dtype);
}

/**
 * A view of a tensor's data on the wasm heap (Int32Array/Uint8Array for int32/bool tensors). Take
 * views after the kernel's last allocation: a growing heap replaces the buffer older views point into.
 */
export function view<T extends Float32Array | Int32Array | Uint8Array = Float32Array>(
  backend: unknown,
  t: TensorInfo,
): T {
  return (backend as WasmBackend).typedArrayFromHeap(t) as T;
}
