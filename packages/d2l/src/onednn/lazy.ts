// Outputs computed when first read. A BatchNorm layer in training runs Mean, Sub, Square, Mean (tf.moments),
// then FusedBatchNorm, and usually ReLU: four full-size tensors between a convolution and the next, where
// one pass could give the next layer its input. The kernels of those ops return deferred tensors
// instead: the tensor exists (shape, data id, the tape can save it), but its values are computed only
// if something reads them. The kernels that know how use what a deferred tensor would hold without
// computing it (the variance straight from x and its mean; ReLU of a BatchNorm in the BatchNorm's own
// pass), and the gradients of the moments ops never read theirs (batch-norm.ts). Anything else that reads
// one (a cpu kernel, a read-out) gets exactly the values the eager kernel would have written, computed then.
//
// A deferred tensor keeps the tensors it reads alive (their backend reference count) until it is computed
// or freed, so their buffers cannot be reused under it.
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;

interface Entry {
  values?: unknown;
}
interface LazyBackend {
  data: { get(id: object): Entry | undefined };
  makeTensorInfo(shape: number[], dtype: string, values?: Float32Array): TensorInfo;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * What a deferred tensor holds, for the kernels that can use it as it is: x − mean, its square, or a
 * BatchNorm x·factor + shift (plus `add`, a residual block's shortcut added to it), each per channel with
 * x seen as [p, q] rows (the leading axes, then channels).
 */
export type Recipe =
  | { kind: 'centred'; x: TensorInfo; mean: TensorInfo; p: number; q: number }
  | { kind: 'squared'; x: TensorInfo; mean: TensorInfo; p: number; q: number }
  | {
      kind: 'batchNorm';
      x: TensorInfo;
      factor: Float32Array;
      shift: Float32Array;
      p: number;
      q: number;
      add?: TensorInfo;
    };

interface Pending {
  recipe: Recipe;
  inputs: TensorInfo[];
  compute: () => Float32Array;
}

const pending = new WeakMap<object, Pending>();

/** The recipe of a tensor whose values are not computed yet. */
export function recipeOf(t: TensorInfo): Recipe | undefined {
  return pending.get(t.dataId)?.recipe;
}

export function isDeferred(dataId: object): boolean {
  return pending.has(dataId);
}

/** A tensor of `shape` whose values `compute` gives on first read; it holds `inputs` until then. */
export function deferred(
  backend: unknown,
  shape: number[],
  recipe: Recipe,
  inputs: TensorInfo[],
  compute: () => Float32Array,
): TensorInfo {
  const b = backend as LazyBackend;
  const t = b.makeTensorInfo(shape, 'float32');
  const entry = b.data.get(t.dataId) as Entry;
  for (const input of inputs) b.incRef(input.dataId);
  pending.set(t.dataId, { recipe, inputs, compute });
  Object.defineProperty(entry, 'values', {
    configurable: true,
    enumerable: true,
    get: () => settle(b, t.dataId, entry),
    set: (values: unknown) => hold(entry, values),
  });
  return t;
}

/**
 * Let go of a held tensor. When that frees its data, the engine (which had asked the backend to free it
 * and been told it was still in use) is told as well, so its count of data buffers stays right.
 */
function letGo(backend: LazyBackend, t: TensorInfo): void {
  if (backend.disposeData(t.dataId)) {
    (tf.engine() as unknown as { removeDataId(id: object, b: unknown): void }).removeDataId(t.dataId, backend);
  }
}

function hold(entry: Entry, values: unknown): void {
  Object.defineProperty(entry, 'values', { value: values, writable: true, configurable: true, enumerable: true });
}

/** Compute a deferred tensor's values now (the first read), and let go of what it held. */
function settle(backend: LazyBackend, dataId: object, entry: Entry): unknown {
  const p = pending.get(dataId);
  if (!p) return undefined;
  pending.delete(dataId);
  const values = p.compute();
  hold(entry, values);
  for (const input of p.inputs) letGo(backend, input);
  return values;
}

/** A deferred tensor freed unread: let go of what it held (call once its data is gone). */
export function dropDeferred(backend: unknown, dataId: object): void {
  const p = pending.get(dataId);
  if (!p) return;
  pending.delete(dataId);
  for (const input of p.inputs) letGo(backend as LazyBackend, input);
}
