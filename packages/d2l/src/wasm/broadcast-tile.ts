// Tile that only broadcasts (every tiled axis has size 1), as BatchNorm's gradient does with
// [1,1,1,C] → [N,H,W,C]: stock wasm Tile copies element by element (~40× a broadcast add here),
// so: when only leading axes repeat, copy x once and double the output with copyWithin (memmove
// speed); other broadcasts fill zeros and add x with XNNPACK's broadcasting Add. Other tilings go
// to the stock kernel.
import { call, callStock, type KernelArgs, output, pipe, type TensorInfo, view } from './kernel-call.ts';

/** Only leading axes repeat ([1,1,1,C] → [N,H,W,C]): x copied once, then the output doubled in place. */
function repeatRows(backend: unknown, x: TensorInfo, shape: number[]): TensorInfo {
  const out = output(backend, shape);
  const dst = view(backend, out);
  const src = view(backend, x);
  if (dst.length === 0) return out;
  dst.set(src);
  for (let have = src.length; have < dst.length; have *= 2) dst.copyWithin(have, 0, Math.min(have, dst.length - have));
  return out;
}

export function broadcastTile(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x as TensorInfo;
  const reps = (args.attrs?.reps ?? []) as number[];
  const broadcasts =
    x.dtype === 'float32' && reps.length === x.shape.length && reps.every((r, i) => r === 1 || x.shape[i] === 1);
  if (!broadcasts) return callStock('Tile', args);
  const shape = x.shape.map((d, i) => d * (reps[i] ?? 1));
  const leadingOnly = reps.every((r, i) => r === 1 || x.shape.slice(0, i + 1).every((d) => d === 1));
  if (leadingOnly) return repeatRows(backend, x, shape);
  const zeros = call('Fill', backend, {}, { shape, value: 0, dtype: 'float32' });
  return pipe(backend, zeros, (z) => call('Add', backend, { a: z, b: x }));
}
