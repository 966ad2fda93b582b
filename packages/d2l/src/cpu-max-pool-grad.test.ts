import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { stockCpuKernel } from './cpu-kernel-override.ts';
import { installFastCpuMaxPoolGrad } from './cpu-max-pool-grad.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cases: Array<{ x: [number, number, number, number]; size: number; strides: number; pad: 'same' | 'valid' }> = [
  { x: [2, 8, 8, 3], size: 3, strides: 2, pad: 'same' }, // the ResNet stem's pool
  { x: [2, 7, 7, 4], size: 2, strides: 2, pad: 'valid' },
  { x: [1, 6, 5, 2], size: 3, strides: 1, pad: 'same' },
];

function poolGrad(x: tf.Tensor4D, dy: tf.Tensor4D, c: (typeof cases)[number]): number[] {
  const g = tf.tidy(() =>
    tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.strides, c.pad), dy)))(x),
  );
  const values = Array.from(g.dataSync());
  g.dispose();
  return values;
}

describe('fast cpu MaxPoolGrad', () => {
  it('matches the stock kernel, ties included', () => {
    const inputs = cases.map((c, i) => {
      // Rounded values make ties, which must go to the first maximum as in the stock kernel.
      const x = tf.round(tf.randomUniform(c.x, 0, 3, 'float32', i)) as tf.Tensor4D;
      const outShape = tf.maxPool(x, c.size, c.strides, c.pad).shape;
      return { x, dy: tf.randomNormal(outShape, 0, 1, 'float32', 50 + i) as tf.Tensor4D };
    });
    const before = cases.map((c, i) => poolGrad(inputs[i]!.x, inputs[i]!.dy, c));
    const stock = stockCpuKernel('MaxPoolGrad');
    installFastCpuMaxPoolGrad();
    expect(tf.getKernel('MaxPoolGrad', 'cpu')!.kernelFunc).not.toBe(stock);
    cases.forEach((c, i) => {
      const after = poolGrad(inputs[i]!.x, inputs[i]!.dy, c);
      after.forEach((v, j) => {
        expect(v, `case ${i} at ${j}`).toBeCloseTo(before[i]![j]!, 5);
      });
      expect(after.some((v) => v !== 0)).toBe(true);
    });
  });
});
