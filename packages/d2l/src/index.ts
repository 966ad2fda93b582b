// @course/d2l: the d2l core every course package and the grader share, at the bottom of the house (only
// @course/onednn is below it). One entry, plus two named subpaths for heavy parts that must not load at
// start-up:
//   - `@course/d2l/train`: the book's training loop (`trainCh6`) and its learning-curve plots, which load
//     vega, vega-lite and resvg (about 25 MB more resident memory at start-up, measured). Only code that
//     trains imports it; code that only summarises a model or picks a backend starts without the
//     plotting stack.
//   - `@course/d2l/wasm`: the WASM backend's training kernels (`registerWasmTraining`), for code that calls
//     `tf.setBackend('wasm')` itself; `useBackend('wasm')` loads them on demand.
// The oneDNN and WebGPU paths, like WASM, are loaded by backend.ts on demand, never here.
export * from './accumulator.ts';
export * from './atomic-write.ts';
export * from './backend.ts';
export * from './backend-numerics.ts';
export * from './backend-probe.ts';
export * from './backend-throughput.ts';
export * from './cpu-kernels.ts';
export * from './fashion-mnist.ts';
export * from './fashion-mnist-files.ts';
export * from './idx.ts';
export * from './model-io.ts';
export { zeroView } from './onednn/pool.ts';
export * from './random.ts';
export * from './summary.ts';
export * from './sync-reads.ts';
export * from './test-swiftshader.ts';
export * from './timer.ts';
