import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installFastCpuConvBackprop } from './cpu-conv-backprop.ts';
import { stockCpuKernel } from './cpu-kernel-override.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Pad = 'same' | 'valid';
const cases: Array<{
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number;
  pad: Pad;
}> = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3, 3, 5], strides: 2, pad: 'same' }, // TF.js pads bottom/right only here
  { x: [3, 9, 6, 2], f: [7, 7, 2, 3], strides: 2, pad: 'same' },
  { x: [2, 6, 6, 4], f: [1, 1, 4, 2], strides: 2, pad: 'valid' },
  { x: [1, 10, 10, 1], f: [5, 5, 1, 6], strides: 3, pad: 'valid' },
];

function filterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, c: (typeof cases)[number]): Float32Array {
  const g = tf.tidy(() => {
    const loss = (filter: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, filter as tf.Tensor4D, c.strides, c.pad), dy));
    return tf.grad(loss)(tf.zeros(c.f));
  });
  const values = g.dataSync() as Float32Array;
  g.dispose();
  return values;
}

describe('fast cpu Conv2DBackpropFilter', () => {
  it('matches the stock kernel for strides, paddings and channel counts', () => {
    const stock = stockCpuKernel('Conv2DBackpropFilter')!;
    const inputs = cases.map((c, i) => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', i) as tf.Tensor4D;
      // ReLU-like zeros exercise the skip path.
      const xr = tf.relu(x) as tf.Tensor4D;
      const outShape = tf.conv2d(xr, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad).shape;
      const dy = tf.randomNormal(outShape, 0, 1, 'float32', 100 + i) as tf.Tensor4D;
      return { xr, dy };
    });
    const before = cases.map((c, i) => filterGrad(inputs[i]!.xr, inputs[i]!.dy, c));
    installFastCpuConvBackprop();
    expect(stockCpuKernel('Conv2DBackpropFilter')).toBe(stock);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc).not.toBe(stock);
    cases.forEach((c, i) => {
      const after = filterGrad(inputs[i]!.xr, inputs[i]!.dy, c);
      expect(after.length).toBe(before[i]!.length);
      const maxDiff = after.reduce((m, v, j) => Math.max(m, Math.abs(v - before[i]![j]!)), 0);
      expect(maxDiff, `case ${i}`).toBeLessThan(1e-4);
      expect(Math.max(...after.map(Math.abs))).toBeGreaterThan(0.1);
    });
    installFastCpuConvBackprop(); // idempotent
    expect(stockCpuKernel('Conv2DBackpropFilter')).toBe(stock);
  });
});
