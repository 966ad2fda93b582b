// Does a backend compute the training gradients the cpu backend computes? The cases are the ops a
// ResNet's backward pass leans on: convolution (3×3 and 1×1, strides 1 and 2, the 7×7/2 stem) and
// training-mode batch norm. Inputs come from a seeded generator, so every backend sees the same numbers.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from './random.ts';

export interface GradientCase {
  name: string;
  /** Input shapes; the first `wrt` inputs are differentiated, the rest are constants. */
  shapes: number[][];
  wrt: number;
  loss: (inputs: tf.Tensor[]) => tf.Scalar;
}

function conv(
  name: string,
  x: number[],
  kernel: number,
  outChannels: number,
  strides: 1 | 2,
  pad: 'same' | 'valid',
): GradientCase {
  const inChannels = x[3]!;
  const outSize = (n: number) => (pad === 'same' ? Math.ceil(n / strides) : Math.floor((n - kernel) / strides) + 1);
  const out = [x[0]!, outSize(x[1]!), outSize(x[2]!), outChannels];
  return {
    name,
    shapes: [x, [kernel, kernel, inChannels, outChannels], out],
    wrt: 2,
    // A random cotangent, so that every output element carries a different weight back.
    loss: ([input, filter, cotangent]) =>
      tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, strides, pad), cotangent!)),
  };
}

function batchNorm(name: string, x: number[]): GradientCase {
  const channels = x[3]!;
  return {
    name,
    shapes: [x, [channels], [channels], x],
    wrt: 3,
    loss: ([input, gamma, beta, cotangent]) => {
      // Training mode: normalise with the batch's own statistics, as BatchNormalization does when training.
      const { mean, variance } = tf.moments(input!, [0, 1, 2]);
      const y = tf.batchNorm(input!, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-3);
      return tf.sum(tf.mul(y, cotangent!));
    },
  };
}

export const GRADIENT_CASES: readonly GradientCase[] = [
  conv('conv 3x3 s1 same', [2, 9, 9, 8], 3, 16, 1, 'same'),
  conv('conv 3x3 s2 same', [2, 9, 9, 8], 3, 16, 2, 'same'),
  conv('conv 1x1 s1', [2, 9, 9, 8], 1, 16, 1, 'valid'),
  conv('conv 1x1 s2', [2, 9, 9, 8], 1, 16, 2, 'valid'),
  conv('conv 7x7 s2 same (stem)', [2, 17, 17, 1], 7, 8, 2, 'same'),
  batchNorm('batch norm (training)', [4, 5, 5, 16]),
];

function seeded(shape: number[], random: () => number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => random() * 2 - 1),
    shape,
  );
}

/**
 * The gradients of one case on the active backend, read back to host memory. Asynchronously: webgpu has
 * no synchronous read under Node (its dataSync needs OffscreenCanvas).
 */
export async function caseGradients(c: GradientCase, seed = 1): Promise<Float32Array[]> {
  const grads = tf.tidy(() => {
    const random = mulberry32(seed);
    const inputs = c.shapes.map((shape) => seeded(shape, random));
    const constants = inputs.slice(c.wrt);
    return tf.grads((...diff: tf.Tensor[]) => c.loss([...diff, ...constants]))(inputs.slice(0, c.wrt));
  });
  try {
    return (await Promise.all(grads.map((g) => g.data()))) as Float32Array[];
  } finally {
    tf.dispose(grads);
  }
}

/**
 * max |got − ref| / max |ref| over all elements: relative to the gradient's scale, so elements that are
 * near zero do not blow the figure up. Infinity when the shapes differ or a value is not finite.
 */
export function maxRelativeError(got: Float32Array, ref: Float32Array): number {
  if (got.length !== ref.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    if (!Number.isFinite(d)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

export interface CaseResult {
  name: string;
  /** Worst relative error over the case's gradients; undefined when the backend failed the case. */
  error?: number;
  problem?: string;
}

/**
 * Every case on `backend` against the cpu backend, in this process. The backend must already be
 * registered (choose it with useBackend first, so its setup hooks have run); the active one is restored.
 */
export async function compareWithCpu(
  backend: string,
  cases: readonly GradientCase[] = GRADIENT_CASES,
  seed = 1,
): Promise<CaseResult[]> {
  const before = tf.getBackend();
  try {
    await tf.setBackend('cpu');
    const reference: Float32Array[][] = [];
    for (const c of cases) reference.push(await caseGradients(c, seed));
    if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' could not be activated`);
    const results: CaseResult[] = [];
    for (const [i, c] of cases.entries()) {
      try {
        const got = await caseGradients(c, seed);
        const errors = got.map((g, j) => maxRelativeError(g, reference[i]![j]!));
        results.push({ name: c.name, error: Math.max(...errors) });
      } catch (err) {
        results.push({ name: c.name, problem: (err as Error).message.split('\n')[0]!.slice(0, 160) });
      }
    }
    return results;
  } finally {
    await tf.setBackend(before);
  }
}
