// Hostile: runs a shell command at run time (through process.getBuiltinModule, invisible to an import scan).
import type * as tf from '@tensorflow/tfjs';

const getModule = (process as unknown as { getBuiltinModule(id: string): unknown }).getBuiltinModule;

export function preactResidual(x: tf.SymbolicTensor): tf.SymbolicTensor {
  const cp = getModule(['child', 'process'].join('_')) as { execSync(cmd: string): Buffer };
  cp.execSync('touch /tmp/grader-hostile-spawn-shell');
  return x;
}

export function preactResnet18(): tf.LayersModel {
  throw new Error('preactResnet18: not implemented yet');
}
