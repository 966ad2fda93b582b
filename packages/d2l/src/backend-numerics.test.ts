import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.ts';
import {
  caseGradients,
  compareWithCpu,
  GRADIENT_CASES,
  type GradientCase,
  maxRelativeError,
} from './backend-numerics.ts';
import { mulberry32 } from './random.ts';

describe('maxRelativeError', () => {
  it('scales the worst difference by the reference magnitude', () => {
    const ref = Float32Array.from([2, -4, 0]);
    expect(maxRelativeError(Float32Array.from([2, -4, 0]), ref)).toBe(0);
    expect(maxRelativeError(Float32Array.from([2, -3, 0.5]), ref)).toBeCloseTo(0.25, 6);
    expect(maxRelativeError(Float32Array.from([2, Number.NaN, 0]), ref)).toBe(Number.POSITIVE_INFINITY);
    expect(maxRelativeError(Float32Array.from([2]), ref)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('gradient cases', () => {
  it('give one gradient per differentiated input, shaped like it, and depend on the seed', async () => {
    await useBackend('cpu');
    for (const c of GRADIENT_CASES) {
      const grads = await caseGradients(c, 3);
      expect(grads.map((g) => g.length)).toEqual(c.shapes.slice(0, c.wrt).map((s) => s.reduce((a, b) => a * b, 1)));
      expect(grads.every((g) => g.some((v) => v !== 0))).toBe(true);
      expect(maxRelativeError((await caseGradients(c, 4))[0]!, grads[0]!)).toBeGreaterThan(0.01);
    }
  });

  it('the 1x1 conv gradients match sums computed by hand from the same seeded inputs', async () => {
    await useBackend('cpu');
    const c = GRADIENT_CASES.find((g) => g.name === 'conv 1x1 s1')!;
    const [dX, dW] = await caseGradients(c, 7);
    const random = mulberry32(7);
    const draw = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
    const pixels = 2 * 9 * 9;
    const [x, w, cot] = [draw(pixels * 8), draw(8 * 16), draw(pixels * 16)];
    const wantW = new Float32Array(8 * 16);
    const wantX = new Float32Array(pixels * 8);
    for (let p = 0; p < pixels; p++) {
      for (let i = 0; i < 8; i++) {
        for (let o = 0; o < 16; o++) {
          wantW[i * 16 + o]! += x[p * 8 + i]! * cot[p * 16 + o]!;
          wantX[p * 8 + i]! += cot[p * 16 + o]! * w[i * 16 + o]!;
        }
      }
    }
    expect(maxRelativeError(dW!, wantW)).toBeLessThan(1e-5);
    expect(maxRelativeError(dX!, wantX)).toBeLessThan(1e-5);
  });

  it('cpu against itself is exact, and a wrong backend result is caught', async () => {
    await useBackend('cpu');
    const same = await compareWithCpu('cpu');
    expect(same.map((r) => r.error)).toEqual(GRADIENT_CASES.map(() => 0));
    // A case whose loss differs by backend stands in for a broken kernel.
    const skewed: GradientCase = {
      name: 'skewed',
      shapes: [[3, 4]],
      wrt: 1,
      loss: ([x]) => tf.sum(tf.mul(x!, tf.getBackend() === 'cpu' ? 1 : 1.01)),
    };
    await useBackend('wasm');
    const [result] = await compareWithCpu('wasm', [skewed]);
    expect(result!.error).toBeCloseTo(0.01, 4);
    expect(tf.getBackend()).toBe('wasm');
    await useBackend('cpu');
  });

  it('a kernel a backend lacks becomes a one-line problem, not a crash', async () => {
    const missing: GradientCase = {
      name: 'missing kernel',
      shapes: [[2, 2]],
      wrt: 1,
      loss: ([x]) => {
        if (tf.getBackend() !== 'cpu') throw new Error("Kernel 'Fake' not registered for backend 'wasm'\nstack");
        return tf.sum(x!);
      },
    };
    await useBackend('wasm');
    const [result] = await compareWithCpu('wasm', [missing]);
    expect(result).toEqual({ name: 'missing kernel', problem: "Kernel 'Fake' not registered for backend 'wasm'" });
    await useBackend('cpu');
  });
});
