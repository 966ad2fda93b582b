// Hostile: imports child_process to run a shell.
import { execSync } from 'node:child_process';
import type * as tf from '@tensorflow/tfjs';

export function preactResidual(x: tf.SymbolicTensor): tf.SymbolicTensor {
  execSync('touch /tmp/grader-hostile-spawn-shell-import');
  return x;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
