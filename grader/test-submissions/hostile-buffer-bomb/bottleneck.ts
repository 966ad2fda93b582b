// Hostile: allocates typed arrays, which live outside the JavaScript heap (--max-old-space-size does
// not see them), until the process runs out of memory.
import type * as tf from '@tensorflow/tfjs';

const hoard: Float64Array[] = [];

export function bottleneck(x: tf.SymbolicTensor): tf.SymbolicTensor {
  while (hoard.length >= 0) hoard.push(new Float64Array(64 * 1024 * 1024).fill(1));
  return x;
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
