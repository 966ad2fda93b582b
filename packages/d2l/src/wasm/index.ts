// Training on the wasm backend: registers the XNNPACK-built convolution gradients.
// backend.ts calls `registerWasmTraining` right after the wasm backend activates; calling it
// again is a no-op, and `unregisterWasmTraining` restores the stock kernels (tests compare both).
import * as tf from '@tensorflow/tfjs';
import {
  BATCH_NORM_GRAD,
  batchNorm,
  batchNormGrad,
  registerBatchNormGradients,
  unregisterBatchNormGradients,
} from './batch-norm.ts';
import { broadcastTile } from './broadcast-tile.ts';
import { conv2dBackpropFilter, conv2dBackpropInput } from './conv-backprop.ts';
import { conv2dLive, fusedConv2dLive } from './conv-forward.ts';
import { cast, identity } from './identity.ts';
import { setStock } from './kernel-call.ts';
import { maxPoolGrad } from './max-pool-grad.ts';
import { meanLeading, sumLeading } from './reduce.ts';
import { slice } from './slice.ts';

const OURS: tf.KernelConfig[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
  },
  {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
  },
  { kernelName: 'Tile', backendName: 'wasm', kernelFunc: broadcastTile as unknown as tf.KernelFunc },
  { kernelName: 'Conv2D', backendName: 'wasm', kernelFunc: conv2dLive as unknown as tf.KernelFunc },
  { kernelName: 'FusedConv2D', backendName: 'wasm', kernelFunc: fusedConv2dLive as unknown as tf.KernelFunc },
  { kernelName: 'Sum', backendName: 'wasm', kernelFunc: sumLeading as unknown as tf.KernelFunc },
  { kernelName: 'Mean', backendName: 'wasm', kernelFunc: meanLeading as unknown as tf.KernelFunc },
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad as unknown as tf.KernelFunc },
  { kernelName: 'Slice', backendName: 'wasm', kernelFunc: slice as unknown as tf.KernelFunc },
  { kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: batchNormGrad as unknown as tf.KernelFunc },
  { kernelName: 'FusedBatchNorm', backendName: 'wasm', kernelFunc: batchNorm as unknown as tf.KernelFunc },
  { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity as unknown as tf.KernelFunc },
  { kernelName: 'Cast', backendName: 'wasm', kernelFunc: cast as unknown as tf.KernelFunc },
];

let stock: Map<string, tf.KernelConfig> | undefined;

/** True while the fast wasm gradient kernels are registered. */
export function wasmTrainingRegistered(): boolean {
  return stock !== undefined;
}

export function registerWasmTraining(): void {
  if (stock) return;
  // Stock kernels bind to the wasm module when the backend starts; ours call them, so start it first.
  if (!tf.findBackend('wasm')) {
    throw new Error("registerWasmTraining: the wasm backend is not running; call `await tf.setBackend('wasm')` first");
  }
  stock = new Map();
  for (const config of OURS) {
    const old = tf.getKernel(config.kernelName, 'wasm');
    if (old) {
      stock.set(config.kernelName, old);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    setStock(config.kernelName, old);
    tf.registerKernel(config);
  }
  registerBatchNormGradients();
}

export function unregisterWasmTraining(): void {
  if (!stock) return;
  for (const config of OURS) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    const old = stock.get(config.kernelName);
    if (old) tf.registerKernel(old);
    setStock(config.kernelName, undefined);
  }
  unregisterBatchNormGradients();
  stock = undefined;
}
