// The webgpu backend cannot read a tensor synchronously under Node (its dataSync goes through
// OffscreenCanvas), so code meant to run on every backend must read with `await t.data()`. Tests hold
// that line on the CPU backends too: while `forbidSyncReads` is on, every synchronous read from user code
// (dataSync, arraySync, bufferSync, print, toString with values) throws, as it would on webgpu.
// A kernel's own reads of its inputs go through the backend directly and are not affected.
import * as tf from '@tensorflow/tfjs';

export class SyncReadError extends Error {
  override name = 'SyncReadError';
}

interface EngineReads {
  readSync(dataId: object): unknown;
}

/** Make every synchronous tensor read throw until the returned function is called. */
export function forbidSyncReads(): () => void {
  // Tensor.dataSync (and arraySync, bufferSync, print, which use it) reads through the engine's readSync.
  const engine = tf.engine() as unknown as EngineReads;
  const own = Object.hasOwn(engine, 'readSync');
  const previous = engine.readSync;
  engine.readSync = () => {
    throw new SyncReadError(
      'a synchronous tensor read (dataSync/arraySync) on a path that must work on webgpu: use await tensor.data()',
    );
  };
  return () => {
    if (own) engine.readSync = previous;
    else delete (engine as Partial<EngineReads>).readSync;
  };
}
