// Faster replacements for the `cpu` backend's slowest training kernels; trainCh6 installs them.
import { installFastCpuConvBackprop } from './cpu-conv-backprop.ts';
import { installFastCpuMaxPoolGrad } from './cpu-max-pool-grad.ts';

export { stockCpuKernel } from './cpu-kernel-override.ts';
export { installFastCpuConvBackprop, installFastCpuMaxPoolGrad };

export function installFastCpuKernels(): void {
  installFastCpuConvBackprop();
  installFastCpuMaxPoolGrad();
}
