// Tile that only broadcasts (every tiled axis has size 1), as BatchNorm's gradient does with
// [1,1,1,C] → [N,H,W,C]: stock wasm Tile copies element by element (~40× a broadcast add here),
// so fill zeros and add x with XNNPACK's broadcasting Add. Other tilings go to the stock kernel.
import { call, callStock, type KernelArgs, pipe, type TensorInfo } from './kernel-call.ts';

export function broadcastTile(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x as TensorInfo;
  const reps = (args.attrs?.reps ?? []) as number[];
  const broadcasts =
    x.dtype === 'float32' && reps.length === x.shape.length && reps.every((r, i) => r === 1 || x.shape[i] === 1);
  if (!broadcasts) return callStock('Tile', args);
  const shape = x.shape.map((d, i) => d * (reps[i] ?? 1));
  const zeros = call('Fill', backend, {}, { shape, value: 0, dtype: 'float32' });
  return pipe(backend, zeros, (z) => call('Add', backend, { a: z, b: x }));
}
