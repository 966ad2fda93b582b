// Plain SGD's update on the onednn backend in one native pass per variable. TF.js's SGDOptimizer
// computes add(mul(c, gradient), value) with c = −lr: two full passes, an intermediate tensor and two
// kernel dispatches for each of ResNet-18's 62 variables (11.2 M weights) every step. Here one kernel
// writes value − lr·gradient. Other backends, and every other optimizer, keep TF.js's code.

import { SCALAR } from '@course/onednn';
import * as tf from '@tensorflow/tfjs';
import type { KernelContext } from './kernels.ts';
import { alloc } from './pool.ts';

export const SGD_UPDATE = 'D2lOnednnSgdUpdate';
const BACKEND = 'onednn';

type TensorInfo = tf.TensorInfo;

/** value − learningRate · gradient, one pass (float32 of equal shapes; otherwise the two ops). */
export function sgdUpdateKernel(ctx: KernelContext, values: (backend: unknown, t: TensorInfo) => Float32Array) {
  return (args: {
    inputs: Record<string, TensorInfo | undefined>;
    attrs?: Record<string, unknown>;
    backend: unknown;
  }) => {
    const { value, gradient } = args.inputs as { value: TensorInfo; gradient: TensorInfo };
    const { learningRate } = args.attrs as { learningRate: number };
    const n = value.shape.reduce((a, b) => a * b, 1);
    const out = alloc(n);
    ctx.addon.scalar(SCALAR.axpy, values(args.backend, value), learningRate, out, n, values(args.backend, gradient));
    return (args.backend as { makeTensorInfo(s: number[], d: string, v: Float32Array): TensorInfo }).makeTensorInfo(
      [...value.shape],
      'float32',
      out,
    );
  };
}

interface SgdLike {
  learningRate: number;
  applyGradients(grads: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void;
  incrementIterations(): void;
}

let patched = false;

/** Route SGDOptimizer.applyGradients through the one-pass kernel while onednn runs (once per process). */
export function patchSgd(): void {
  if (patched) return;
  patched = true;
  const proto = tf.SGDOptimizer.prototype as unknown as SgdLike;
  const stock = proto.applyGradients;
  proto.applyGradients = function (this: SgdLike, variableGradients) {
    if (tf.getBackend() !== BACKEND) return stock.call(this, variableGradients);
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] as tf.Tensor }));
    for (const { name, tensor: gradient } of list) {
      if (gradient == null) continue;
      const value = tf.engine().registeredVariables[name] as tf.Variable;
      const plain =
        value.dtype === 'float32' &&
        gradient.dtype === 'float32' &&
        value.shape.join() === gradient.shape.join() &&
        value.size >= 1;
      tf.tidy(() => {
        const next = plain
          ? (tf.engine().runKernel(SGD_UPDATE, { value, gradient }, {
              learningRate: this.learningRate,
            } as unknown as tf.NamedAttrMap) as tf.Tensor)
          : tf.add(tf.mul(tf.scalar(-this.learningRate), gradient), value);
        value.assign(next);
      });
    }
    this.incrementIterations();
  };
}
