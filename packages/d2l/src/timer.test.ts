import { describe, expect, it } from 'vitest';
import { Timer } from './timer.ts';

describe('Timer', () => {
  it('records laps with avg, sum and cumsum', () => {
    let clock = 100;
    const timer = new Timer(() => clock);
    clock += 2;
    expect(timer.stop()).toBe(2);
    timer.start();
    clock += 4;
    timer.stop();
    expect([timer.avg(), timer.sum(), timer.cumsum()]).toEqual([3, 6, [2, 6]]);
    expect(() => timer.stop()).toThrow(/without start/);
  });
});
