// Run by threads.test.ts as a child: starts the threaded wasm backend, computes, and must then exit
// without process.exit (Emscripten's running pthreads would otherwise keep Node alive).
// FIXTURE_STOCK_FIRST: start the package's own single-threaded wasm first, with a tensor on it.
// FIXTURE_RESTORE: register the threaded build, then put the stock factory back before starting.
// FIXTURE_THROW: end with an uncaught error.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '../backend.ts';
import { registerThreadedWasm, restoreStockWasm, wasmThreadsInUse } from './threads.ts';

let early: tf.Tensor | undefined;
if (process.env.FIXTURE_STOCK_FIRST) {
  await tf.setBackend('wasm');
  early = tf.tensor1d([4, 5, 6]);
}
if (process.env.FIXTURE_RESTORE) {
  await registerThreadedWasm(2);
  restoreStockWasm();
  await tf.setBackend('wasm');
  console.log(`restored: ${await wasmThreadsInUse()} thread`);
}
const info = await useBackend('wasm', { quiet: true });
const y = tf.conv2d(tf.ones([1, 5, 5, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same');
console.log(info.device, y.dataSync()[6], early ? `early ${Array.from(early.dataSync()).join(',')}` : '');
if (process.env.FIXTURE_THROW) throw new Error('boom from user code');
