// The grader's compile step and `tsc -p assignments/<name>` are one truth: the same file gets the same
// verdict from both (here on `widths[stage]`, which noUncheckedIndexedAccess would type number | undefined),
// and a type error is reported once, where the student wrote it, with their line. Every assignment's
// options are TypeScript's `strict`, nothing stricter (tsconfig.student.json).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listAssignments, loadAssignment } from '@course/core';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatDiagnostic,
  sourceExcerpt,
  studentCompilerOptions,
  studentPath,
  typeDiagnostics,
} from './diagnostics.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const TSCONFIG = resolve(here, '../../../assignments/resnet/tsconfig.json');
const TSC = resolve(here, '../../../node_modules/typescript/bin/tsc');
// Inside the workspace (gitignored), so that `tsc` resolves @tensorflow/tfjs as it does for a student.
const SCRATCH = resolve(here, '../../.sandbox');

const INDEXED = `import * as tf from '@tensorflow/tfjs';
const widths = [64, 128, 256, 512];
function stage(x: tf.SymbolicTensor, filters: number): tf.SymbolicTensor {
  return tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
}
export function net(x: tf.SymbolicTensor): tf.SymbolicTensor {
  for (let s = 0; s < widths.length; s++) x = stage(x, widths[s]);
  return x;
}
`;
const BROKEN = `import * as tf from '@tensorflow/tfjs';
export function block(x: tf.SymbolicTensor): tf.SymbolicTensor {
  const y = tf.layers.reLU().apply(x);
  return tf.layers.add().apply([x, y as tf.SymbolicTensor]);
}
export function other(x: tf.SymbolicTensor): tf.SymbolicTensor {
  return x;
}
`;

const dirs: string[] = [];
function submission(source: string): string {
  mkdirSync(SCRATCH, { recursive: true });
  const dir = mkdtempSync(join(SCRATCH, 'diagnostics-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'student.ts'), source);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: TSCONFIG, include: [], files: ['student.ts'] }));
  return dir;
}

/** `tsc -p` over the file with the assignment's options: the student's `pnpm typecheck`. */
async function tscErrors(dir: string): Promise<string[]> {
  try {
    await run(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: dir });
    return [];
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? '';
    return [...out.matchAll(/^student\.ts\((\d+),(\d+)\): error TS(\d+)/gm)].map((m) => `${m[1]}:${m[2]} TS${m[3]}`);
  }
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the grader’s compile step', () => {
  it('agrees with tsc -p on the assignment’s tsconfig: widths[stage] is accepted by both', async () => {
    const dir = submission(INDEXED);
    expect(typeDiagnostics(dir, ['student.ts'], { tsconfig: TSCONFIG }).get('student.ts') ?? []).toEqual([]);
    expect(await tscErrors(dir)).toEqual([]);
  }, 60_000);

  it('agrees with tsc -p on a real type error, and names it once, in the function it sits in', async () => {
    const dir = submission(BROKEN);
    const found = typeDiagnostics(dir, ['student.ts'], { tsconfig: TSCONFIG }).get('student.ts') ?? [];
    expect(found.map((d) => `${d.line}:${d.column} TS${d.code}`)).toEqual(await tscErrors(dir));
    expect(found).toHaveLength(1);
    const [d] = found as [(typeof found)[0]];
    expect(d.functions).toEqual(['block']);
    expect(formatDiagnostic(d)).toMatch(/^student\.ts:4:3: error TS2322: /);
    expect(sourceExcerpt(d)).toEqual(['4 | return tf.layers.add().apply([x, y as tf.SymbolicTensor]);', '  | ^']);
  }, 60_000);

  it('shows a bounded window of a long line, with the caret under the column', () => {
    const source = `${'x'.repeat(5000)}oops${'y'.repeat(5000)}`;
    const [line, caret] = sourceExcerpt({ line: 1, column: 5001, source }) as [string, string];
    expect(line.length).toBeLessThan(140);
    expect(line.slice(caret.indexOf('^'), caret.indexOf('^') + 4)).toBe('oops');
  });

  it('names files as the student knows them, never relative to the grader’s working directory', () => {
    expect(studentPath('/sub', '/sub/bottleneck.ts')).toBe('bottleneck.ts');
    expect(studentPath('/sub', 'bottleneck.ts')).toBe('bottleneck.ts');
    expect(studentPath('/sub', '/sub/lib/helpers.ts')).toBe('lib/helpers.ts');
    expect(studentPath('/tmp/snapshot', '/work/repo/bottleneck.ts')).toBe('bottleneck.ts');
  });
});

/** Options TypeScript's `strict` does not turn on, each of which makes more code an error. */
const STRICTER = [
  'noUncheckedIndexedAccess',
  'noImplicitOverride',
  'exactOptionalPropertyTypes',
  'noPropertyAccessFromIndexSignature',
  'noImplicitReturns',
  'noFallthroughCasesInSwitch',
  'noUnusedLocals',
  'noUnusedParameters',
  'noUncheckedSideEffectImports',
] as const;
/** What `strict` turns on; none may be turned back off. */
const STRICT_FAMILY = [
  'noImplicitAny',
  'noImplicitThis',
  'strictNullChecks',
  'strictFunctionTypes',
  'strictBindCallApply',
  'strictPropertyInitialization',
  'useUnknownInCatchVariables',
  'alwaysStrict',
] as const;

describe('the student tsconfig', () => {
  it.each(listAssignments())('%s: TypeScript’s strict, nothing stricter, as the grader reads it', (name) => {
    const options = studentCompilerOptions(join(loadAssignment(name).dir, 'tsconfig.json'));
    expect(options.strict).toBe(true);
    for (const key of STRICTER) expect([key, options[key]]).toEqual([key, undefined]);
    for (const key of STRICT_FAMILY) expect([key, options[key]]).toEqual([key, undefined]);
    expect([options.allowUnreachableCode, options.allowUnusedLabels]).toEqual([undefined, undefined]);
    // The course's own packages stay stricter: the base adds to the student options.
    const base = ts.readConfigFile(resolve(here, '../../../tsconfig.base.json'), ts.sys.readFile).config as {
      extends: string;
      compilerOptions: Record<string, unknown>;
    };
    expect(base.extends).toBe('./tsconfig.student.json');
    expect(base.compilerOptions.noUncheckedIndexedAccess).toBe(true);
  });
});
