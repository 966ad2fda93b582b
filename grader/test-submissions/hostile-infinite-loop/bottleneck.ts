// Hostile: never returns.
import type * as tf from '@tensorflow/tfjs';

export function bottleneck(x: tf.SymbolicTensor): tf.SymbolicTensor {
  for (;;) {
    if (x === undefined) break;
  }
  return x;
}

export function bottleneckResnet(): tf.LayersModel {
  for (;;) {}
}
