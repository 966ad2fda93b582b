// Hostile: reads the reference solution from disk at run time (no import for a static scan to see).
import type * as tf from '@tensorflow/tfjs';

const getModule = (process as unknown as { getBuiltinModule(id: string): unknown }).getBuiltinModule;

export function bottleneck(x: tf.SymbolicTensor, numChannels: number): tf.SymbolicTensor {
  const fs = getModule('f' + 's') as { readFileSync(p: string, e: string): string };
  const source = fs.readFileSync('/work/main/assignments/resnet/instructor/solution/bottleneck.ts', 'utf8');
  throw new Error(`read ${source.length} characters of the reference for ${numChannels} channels of ${x.shape}`);
}

export function bottleneckResnet(): tf.LayersModel {
  throw new Error('bottleneckResnet: not implemented yet');
}
