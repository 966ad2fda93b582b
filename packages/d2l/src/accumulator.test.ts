import { describe, expect, it } from 'vitest';
import { Accumulator } from './accumulator.ts';

describe('Accumulator', () => {
  it('keeps n running sums and resets them', () => {
    const acc = new Accumulator(3);
    acc.add(1.5, 2, 10);
    acc.add(0.5, 1, 20);
    expect([acc.get(0), acc.get(1), acc.get(2)]).toEqual([2, 3, 30]);
    acc.reset();
    expect(acc.toArray()).toEqual([0, 0, 0]);
  });

  it('rejects the wrong number of values and missing entries', () => {
    const acc = new Accumulator(2);
    expect(() => acc.add(1)).toThrow(/takes 2 values, got 1/);
    expect(() => acc.get(2)).toThrow(/no entry 2; use 0…1/);
    expect(() => new Accumulator(0)).toThrow(/positive integer/);
  });
});
