import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listAssignments, loadAssignment } from '@course/core';
import { describe, expect, it } from 'vitest';
import { enclosingFunction, expectedStubs, findRegions, makeStub, solutionLines } from './stubs.ts';

const ASSIGNMENTS = listAssignments().map(loadAssignment);

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

  it.each(ASSIGNMENTS.map((a) => [a.name, a] as const))(
    '%s: every function the grader calls has its own solution region in the reference',
    (_name, assignment) => {
      for (const { solutionPath, file } of expectedStubs(assignment)) {
        const source = readFileSync(solutionPath, 'utf8');
        const lines = source.split('\n');
        // The function each body region sits in, found as the stub writer finds it.
        const inFunctions = findRegions(source, file)
          .filter((r) => r.indent !== '')
          .map((r) => enclosingFunction(lines, r.begin, r.indent));
        const called = Object.entries(assignment.manifest.functions).filter(([, f]) => f.file === file);
        for (const [name] of called) expect(inFunctions).toContain(name);
      }
    },
  );
});

const STUBS = ASSIGNMENTS.flatMap((a) => expectedStubs(a).map((s) => [`${a.name}/${s.file}`, s] as const));

describe('the committed stubs', () => {
  it.each(STUBS)(
    '%s is what the authoring step writes (run `npx pnpm@10 assign` if not)',
    (_file, { stubPath, stub }) => {
      expect(readFileSync(stubPath, 'utf8')).toBe(stub);
    },
  );

  it.each(ASSIGNMENTS.map((a) => [a.name, a] as const))(
    '%s: every stubbed function throws a "not implemented yet" error naming itself',
    async (_name, assignment) => {
      for (const [name, fn] of Object.entries(assignment.manifest.functions)) {
        const module = (await import(join(assignment.workspace, fn.file))) as Record<
          string,
          (...a: unknown[]) => unknown
        >;
        const call = module[name];
        expect(typeof call).toBe('function');
        expect(() => call?.(undefined, 1)).toThrow(`${name}: not implemented yet`);
      }
    },
  );
});
