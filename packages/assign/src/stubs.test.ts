import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedStubs, findRegions, makeStub, solutionLines } from './stubs.ts';

const SOURCE = `import * as tf from '@tensorflow/tfjs';

// BEGIN SOLUTION
const helper = (n: number) => n + 1;
// END SOLUTION

export function first(n: number): number {
  // BEGIN SOLUTION
  return helper(n);
  // END SOLUTION
}

export function second(
  n: number,
): number {
  const kept = n;
  // BEGIN SOLUTION
  return kept * 2;
  // END SOLUTION
}
`;

describe('makeStub', () => {
  it('turns each function-body region into a throw naming its function and drops top-level ones', () => {
    expect(makeStub(SOURCE)).toBe(`import * as tf from '@tensorflow/tfjs';

export function first(n: number): number {
  throw new Error('first: not implemented yet');
}

export function second(
  n: number,
): number {
  const kept = n;
  throw new Error('second: not implemented yet');
}
`);
  });

  it('collects the lines that must never reach a student', () => {
    expect(solutionLines(SOURCE)).toEqual([
      'const helper = (n: number) => n + 1;',
      'return helper(n);',
      'return kept * 2;',
    ]);
  });

  it.each([
    ['// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION', /f.ts:2: \/\/ BEGIN SOLUTION inside another region/],
    ['x\n// END SOLUTION', /f.ts:2: \/\/ END SOLUTION without a \/\/ BEGIN SOLUTION/],
    ['// BEGIN SOLUTION\nx', /f.ts:1: \/\/ BEGIN SOLUTION is never closed/],
    ['{\n  // BEGIN SOLUTION\n  // END SOLUTION\n}', /f.ts:2: an indented solution region must sit in a function body/],
  ])('rejects malformed markers: %j', (source, error) => {
    expect(() => makeStub(source, 'f.ts')).toThrow(error);
  });

  it('finds one region per exercise function in the reference', () => {
    for (const { solutionPath, file } of expectedStubs()) {
      const source = readFileSync(solutionPath, 'utf8');
      expect(findRegions(source, file).filter((r) => r.indent !== '')).toHaveLength(2);
    }
  });
});

describe('the committed stubs', () => {
  it.each(expectedStubs().map((s) => [s.file, s] as const))(
    '%s is what make-stubs writes (run `npx tsx packages/resnet/scripts/make-stubs.ts` if not)',
    (_file, { stubPath, stub }) => {
      expect(readFileSync(stubPath, 'utf8')).toBe(stub);
    },
  );

  it('throw a "not implemented yet" error naming each function', async () => {
    const bottleneck = await import('../../../assignments/resnet/src/bottleneck.ts');
    const preact = await import('../../../assignments/resnet/src/preact.ts');
    const calls: Array<[string, () => unknown]> = [
      ['bottleneck', () => bottleneck.bottleneck(undefined as never, 1)],
      ['bottleneckResnet', () => bottleneck.bottleneckResnet(50)],
      ['preactResidual', () => preact.preactResidual(undefined as never, 1)],
      ['preactResnet18', () => preact.preactResnet18()],
    ];
    for (const [name, call] of calls) expect(call).toThrow(`${name}: not implemented yet`);
  });
});
