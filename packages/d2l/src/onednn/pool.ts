// Output buffers for the onednn kernels, reused across steps. A fresh `new Float32Array(n)` of a
// ResNet-sized tensor costs more than the kernel that fills it (zeroing, page faults, and garbage
// collection of hundreds of MB of array buffers a step: measured 8–14 ms against 2 ms for a 2.4 M-element
// multiply into a reused array). Every step asks for the same sizes again, so the buffer of a tensor
// the engine disposes goes back to a pool by length and the next kernel output of that length takes
// it. Only buffers the kernels made themselves are pooled, and never one that can still be seen: a
// buffer handed out by `readSync`/`read` (dataSync() returns the backend's own array) or viewed by
// another tensor (the cpu Slice returns subarrays) is marked escaped and left to the garbage collector.
const ours = new WeakSet<ArrayBuffer>();
const escaped = new WeakSet<ArrayBufferLike>();
const free = new Map<number, ArrayBuffer[]>();
let pooledBytes = 0;

/** The most bytes kept idle (D2L_ONEDNN_POOL_MB, default 1024): past it, released buffers go to the GC. */
export function poolLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.D2L_ONEDNN_POOL_MB ?? 1024);
  return Number.isFinite(mb) && mb >= 0 ? mb * 2 ** 20 : 2 ** 30;
}
const limit = poolLimitBytes();

/** A float32 array of n elements with unspecified contents: the caller overwrites all of it. */
export function alloc(n: number): Float32Array {
  const buffer = free.get(n)?.pop();
  if (buffer) {
    pooledBytes -= buffer.byteLength;
    ours.add(buffer);
    return new Float32Array(buffer);
  }
  const out = new Float32Array(n);
  ours.add(out.buffer as ArrayBuffer);
  return out;
}

/** The buffer of a disposed tensor: back to the pool when it is ours and nobody else can see it. */
export function release(values: unknown): void {
  if (!(values instanceof Float32Array)) return;
  const buffer = values.buffer as ArrayBuffer;
  if (!ours.has(buffer) || escaped.has(buffer) || pooledBytes + buffer.byteLength > limit) return;
  const n = buffer.byteLength / 4;
  const list = free.get(n) ?? [];
  list.push(buffer);
  free.set(n, list);
  pooledBytes += buffer.byteLength;
  ours.delete(buffer); // taken out until alloc hands it out again: a double release cannot pool it twice
}

/** Whether `values` is a whole buffer of the pool's, in use and never seen outside the backend. */
export function ownedUnshared(values: unknown): values is Float32Array {
  if (!(values instanceof Float32Array)) return false;
  const buffer = values.buffer as ArrayBuffer;
  return ours.has(buffer) && !escaped.has(buffer) && values.byteOffset === 0 && values.byteLength === buffer.byteLength;
}

/** Mark an array as visible outside the backend (read out, or viewed by another tensor). */
export function markEscaped(values: unknown): void {
  if (ArrayBuffer.isView(values)) escaped.add(values.buffer);
}

/** Bytes idle in the pool (tests, memory reports). */
export function pooled(): number {
  return pooledBytes;
}

/** Give every idle buffer back to the garbage collector. */
export function drainPool(): void {
  free.clear();
  pooledBytes = 0;
}

// Zero tensors (the exact-zero gradients of batch-norm.ts) all view one shared zero buffer: dozens
// of full-size zero gradients a step would otherwise each cost an allocation and a clearing pass.
// Nothing writes into a kernel input, and reads hand out a copy (see index.ts), so the zeros stay zeros.
let zeroBuffer = new Float32Array(0);
const zeroBuffers = new WeakSet<ArrayBufferLike>();

/** n zeros, read-only by contract: a view of the shared zero buffer. */
export function zeroView(n: number): Float32Array {
  if (zeroBuffer.length < n) {
    zeroBuffer = new Float32Array(Math.max(n, 2 * zeroBuffer.length));
    zeroBuffers.add(zeroBuffer.buffer);
  }
  return zeroBuffer.subarray(0, n);
}

/** Whether an array views the shared zeros (reads must copy it). */
export function isZeroView(values: unknown): values is Float32Array {
  return values instanceof Float32Array && zeroBuffers.has(values.buffer);
}
