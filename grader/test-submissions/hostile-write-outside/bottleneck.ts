// Hostile: writes a file outside the sandbox (e.g. to plant a fake report), then builds nothing.
import type * as tf from '@tensorflow/tfjs';

const getModule = (process as unknown as { getBuiltinModule(id: string): unknown }).getBuiltinModule;

export function bottleneck(x: tf.SymbolicTensor): tf.SymbolicTensor {
  const fs = getModule('fs') as { writeFileSync(p: string, d: string): void };
  fs.writeFileSync('/tmp/grader-hostile-write-outside.json', '{"score":100}');
  return x;
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
