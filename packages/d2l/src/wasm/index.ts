// Training on the wasm backend: registers the XNNPACK-built convolution gradients.
// backend.ts calls `registerWasmTraining` right after the wasm backend activates; calling it
// again is a no-op, and `unregisterWasmTraining` restores the stock kernels (tests compare both).
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilter, conv2dBackpropInput, setStockBackpropInput } from './conv-backprop.ts';

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
];

let stock: Map<string, tf.KernelConfig> | undefined;

/** True while the fast wasm gradient kernels are registered. */
export function wasmTrainingRegistered(): boolean {
  return stock !== undefined;
}

export function registerWasmTraining(): void {
  if (stock) return;
  stock = new Map();
  for (const config of OURS) {
    const old = tf.getKernel(config.kernelName, 'wasm');
    if (old) {
      stock.set(config.kernelName, old);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
  setStockBackpropInput(stock.get('Conv2DBackpropInput'));
}

export function unregisterWasmTraining(): void {
  if (!stock) return;
  for (const config of OURS) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    const old = stock.get(config.kernelName);
    if (old) tf.registerKernel(old);
  }
  setStockBackpropInput(undefined);
  stock = undefined;
}
