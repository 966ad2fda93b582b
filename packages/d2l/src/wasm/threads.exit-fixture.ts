// Run by threads.test.ts as a child: starts the threaded wasm backend, computes, and must then exit
// without process.exit (Emscripten's running pthreads would otherwise keep Node alive).
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../backend.ts';

const info = await useBackend('wasm', { quiet: true });
const y = tf.conv2d(tf.ones([1, 5, 5, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same');
console.log(info.device, y.dataSync()[6]);
if (process.env.FIXTURE_THROW) throw new Error('boom from user code');
