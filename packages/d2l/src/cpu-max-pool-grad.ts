// A faster MaxPoolGrad for the `cpu` backend (the stock one reads through TensorBuffer.get twice
// per element and window); the loop itself is shared with the wasm kernel (max-pool-grad.ts).
import type * as tf from '@tensorflow/tfjs';
import { type CpuBackend, replaceCpuKernel } from './cpu-kernel-override.ts';
import { type PoolAttrs, poolInfo, scatterToMaxima } from './max-pool-grad.ts';

/** Replace the cpu backend's MaxPoolGrad (once per process). */
export function installFastCpuMaxPoolGrad(): void {
  replaceCpuKernel('MaxPoolGrad', () => (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const backend = args.backend as unknown as CpuBackend;
    const values = (t: tf.TensorInfo) => {
      const v = backend.data.get(t.dataId).values;
      return v instanceof Float32Array ? v : Float32Array.from(v);
    };
    const dx = new Float32Array(input.shape.reduce((a, b) => a * b, 1));
    scatterToMaxima(values(input), values(dy), dx, poolInfo(input.shape, args.attrs as unknown as PoolAttrs));
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  });
}
