// Plain SGD's update on the onednn backend: every variable of the step in one native pass, written in
// place where that is invisible. TF.js's SGDOptimizer computes add(mul(c, gradient), value) with c = −lr
// for each variable: two full passes, an intermediate tensor and two kernel dispatches each, for
// ResNet-18's 62 variables (11.2 M weights) every step. Here one call writes value − lr·gradient (the
// same rounding) for all of them. A variable whose buffer only it can see (a buffer of the backend's own
// pool, never read out, no other tensor sharing it) is overwritten; any other gets a new buffer, as
// TF.js would give it. Other backends, and every other optimizer, keep TF.js's code.

import * as tf from '@tensorflow/tfjs';
import { contentsChanged, type KernelContext, values } from './kernels.ts';
import { isDeferred } from './lazy.ts';
import { alloc, ownedUnshared } from './pool.ts';

const BACKEND = 'onednn';

interface SgdLike {
  learningRate: number;
  applyGradients(grads: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void;
  incrementIterations(): void;
}

interface CpuBackend {
  data: { get(id: object): { values?: unknown; refCount: number } | undefined };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

/** Whether the variable's values may be overwritten: nobody else can see its buffer. */
function updatableInPlace(backend: CpuBackend, variable: tf.Variable): boolean {
  if (isDeferred(variable.dataId)) return false;
  const entry = backend.data.get(variable.dataId);
  return entry !== undefined && entry.refCount === 1 && ownedUnshared(entry.values);
}

let patched = false;

/** Route SGDOptimizer.applyGradients through the one-pass update while onednn runs (once per process). */
export function patchSgd(ctx: KernelContext): void {
  if (patched) return;
  patched = true;
  const proto = tf.SGDOptimizer.prototype as unknown as SgdLike;
  const stock = proto.applyGradients;
  proto.applyGradients = function (this: SgdLike, variableGradients) {
    if (tf.getBackend() !== BACKEND) return stock.call(this, variableGradients);
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] as tf.Tensor }));
    const backend = tf.backend() as unknown as CpuBackend;
    const batch: { values: Float32Array[]; gradients: Float32Array[]; outs: Float32Array[] } = {
      values: [],
      gradients: [],
      outs: [],
    };
    const overwritten: tf.Variable[] = [];
    const renewed: { variable: tf.Variable; out: Float32Array }[] = [];
    for (const { name, tensor: gradient } of list) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name] as tf.Variable;
      const plain =
        variable.dtype === 'float32' &&
        gradient.dtype === 'float32' &&
        variable.shape.join() === gradient.shape.join() &&
        variable.size >= 1;
      if (!plain) {
        tf.tidy(() => variable.assign(tf.add(tf.mul(tf.scalar(-this.learningRate), gradient), variable)));
        continue;
      }
      const current = values(backend, variable);
      const inPlace = updatableInPlace(backend, variable);
      const out = inPlace ? current : alloc(variable.size);
      batch.values.push(current);
      batch.gradients.push(values(backend, gradient));
      batch.outs.push(out);
      if (inPlace) overwritten.push(variable);
      else renewed.push({ variable, out });
    }
    if (batch.values.length > 0) ctx.addon.sgd(this.learningRate, batch.values, batch.gradients, batch.outs);
    // A filter's packed copy is keyed by its data id: new contents, new key.
    for (const variable of overwritten) contentsChanged(variable.dataId);
    for (const { variable, out } of renewed) {
      const next = tf.engine().makeTensorFromTensorInfo(backend.makeTensorInfo([...variable.shape], 'float32', out));
      variable.assign(next);
      next.dispose();
    }
    this.incrementIterations();
  };
}
