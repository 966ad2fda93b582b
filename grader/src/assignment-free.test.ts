// The grader knows no assignment: everything assignment-specific is data in assignments/<name>/. This
// fails as soon as grader code names one of an assignment's functions or files (as code or as a quoted
// name: `fn === 'bottleneckResnet'`, `'preact.ts'`, `f(item.depth)` would all have been caught), while
// the same words in prose ("the residual branch") stay allowed.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listAssignments, loadAssignment, REPO_ROOT } from '@course/core';
import { describe, expect, it } from 'vitest';

const SRC = join(REPO_ROOT, 'grader/src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sourceFiles(path);
    return /\.(ts|mjs|cjs)$/.test(e.name) && !/\.test\.ts$|test-helpers\.ts$|fixture/.test(e.name) ? [path] : [];
  });
}

/** Code with comments blanked out (line and block comments), keeping string literals. */
function withoutComments(text: string): string {
  return text.replace(
    /\/\*[\s\S]*?\*\/|(^|[^:'"`\\])\/\/.*$/gm,
    (_comment, before: string | undefined) => before ?? '',
  );
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A function name used as code (called, compared, a property) or quoted; a file name anywhere in code. */
function uses(code: string, name: string, isFile: boolean): string | undefined {
  const n = escapeRegExp(name);
  const pattern = isFile ? new RegExp(`\\b${n}\\b`) : new RegExp(`['"\`]${n}['"\`|]|\\b${n}\\s*\\(|\\.${n}\\b`);
  const line = code.split('\n').find((l) => pattern.test(l));
  return line?.trim();
}

describe('the grader names no assignment', () => {
  const files = sourceFiles(SRC).map((path) => ({ path, code: withoutComments(readFileSync(path, 'utf8')) }));

  it('reads real source files', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files.some((f) => f.path.endsWith('grade.ts'))).toBe(true);
  });

  it('catches a welded name (the detector itself)', () => {
    expect(uses("if (i.fn === 'bottleneckResnet') return i.depth;", 'bottleneckResnet', false)).toBeDefined();
    expect(uses("const FILES = ['preact.ts'];", 'preact.ts', true)).toBeDefined();
    expect(uses('const m = "the residual branch lost two pixels";', 'residual', false)).toBeUndefined();
  });

  for (const name of listAssignments()) {
    const a = loadAssignment(name);
    const names = [
      ...Object.keys(a.manifest.functions).map((n) => ({ n, isFile: false })),
      ...a.files.map((n) => ({ n, isFile: true })),
    ];
    it(`${name}: none of ${names.map((x) => x.n).join(', ')} appears in grader/src`, () => {
      const found = files.flatMap((f) =>
        names.flatMap(({ n, isFile }) => {
          const line = uses(f.code, n, isFile);
          return line ? [`${relative(REPO_ROOT, f.path)}: ${n} in «${line.slice(0, 100)}»`] : [];
        }),
      );
      expect(found).toEqual([]);
    });
  }
});
