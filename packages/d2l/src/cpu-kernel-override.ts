// Swap one of the `cpu` backend's kernels for a faster one, keeping the stock kernel for layouts the
// replacement does not handle and for tests that compare the two.
import * as tf from '@tensorflow/tfjs';

const stock = new Map<string, tf.KernelFunc>();

/** The cpu backend's own kernel, even after `replaceCpuKernel`. */
export function stockCpuKernel(name: string): tf.KernelFunc | undefined {
  return stock.get(name) ?? tf.getKernel(name, 'cpu')?.kernelFunc;
}

/** Register `make(stock)` for `name` on cpu, once per process (later calls do nothing). */
export function replaceCpuKernel(name: string, make: (stockKernel: tf.KernelFunc) => tf.KernelFunc): void {
  if (stock.has(name)) return;
  const original = tf.getKernel(name, 'cpu');
  if (!original) return; // no cpu backend in this build
  stock.set(name, original.kernelFunc);
  tf.unregisterKernel(name, 'cpu');
  tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: make(original.kernelFunc) });
}

/** What the cpu backend hands a kernel: typed arrays by data id. */
export interface CpuBackend {
  data: { get(id: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}
