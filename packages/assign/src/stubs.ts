// One source of truth for the exercises: the reference solutions carry `// BEGIN SOLUTION` …
// `// END SOLUTION` regions, and the student stubs are those files with each region replaced.
// A region inside a function body becomes a "not implemented yet" throw that names the function;
// a region at the top level (solution-only helpers) disappears.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Assignment } from '@course/core';

export const BEGIN = '// BEGIN SOLUTION';
export const END = '// END SOLUTION';

export interface Region {
  /** 0-based line indices of the BEGIN and END markers. */
  begin: number;
  end: number;
  indent: string;
}

function markerAt(line: string): 'begin' | 'end' | undefined {
  const text = line.trim();
  if (text === BEGIN) return 'begin';
  if (text === END) return 'end';
  return undefined;
}

/** The marked regions of `source`; throws on nesting or a marker without its partner. */
export function findRegions(source: string, file = 'source'): Region[] {
  const regions: Region[] = [];
  let open: { begin: number; indent: string } | undefined;
  source.split('\n').forEach((line, i) => {
    const marker = markerAt(line);
    if (marker === 'begin') {
      if (open) throw new Error(`${file}:${i + 1}: ${BEGIN} inside another region (opened on line ${open.begin + 1})`);
      open = { begin: i, indent: /^\s*/.exec(line)?.[0] ?? '' };
    } else if (marker === 'end') {
      if (!open) throw new Error(`${file}:${i + 1}: ${END} without a ${BEGIN} before it`);
      regions.push({ ...open, end: i });
      open = undefined;
    }
  });
  if (open) throw new Error(`${file}:${open.begin + 1}: ${BEGIN} is never closed; add ${END}`);
  return regions;
}

const FUNCTION = /^(\s*)(?:export\s+)?(?:async\s+)?function\s+([A-Za-z_$][\w$]*)/;

/** The function whose body holds line `at`: the nearest declaration above it that is less indented. */
export function enclosingFunction(lines: readonly string[], at: number, indent: string): string | undefined {
  for (let i = at - 1; i >= 0; i--) {
    const match = FUNCTION.exec(lines[i] ?? '');
    if (match && (match[1] ?? '').length < indent.length) return match[2];
  }
  return undefined;
}

export function notImplemented(name: string): string {
  return `throw new Error('${name}: not implemented yet');`;
}

/** Stubs leave parameters unused and `tf` used for types only, until the student writes the bodies. */
export const STUB_LINT_NOTE =
  '// biome-ignore-all lint/correctness/noUnusedFunctionParameters lint/style/useImportType: the bodies are yours to write\n';

/** `source` with every solution region replaced by its stub. */
export function makeStub(source: string, file = 'source'): string {
  const lines = source.split('\n');
  const regions = findRegions(source, file);
  const out: string[] = [];
  let next = 0;
  for (const region of regions) {
    out.push(...lines.slice(next, region.begin));
    if (region.indent !== '') {
      const name = enclosingFunction(lines, region.begin, region.indent);
      if (name === undefined) {
        throw new Error(`${file}:${region.begin + 1}: an indented solution region must sit in a function body`);
      }
      out.push(region.indent + notImplemented(name));
    } else if (out.at(-1)?.trim() === '' && lines[region.end + 1]?.trim() === '') {
      out.pop(); // a removed top-level block takes one of its surrounding blank lines with it
    }
    next = region.end + 1;
  }
  out.push(...lines.slice(next));
  return out.join('\n');
}

/** Every line strictly between markers, trimmed and non-empty: what must never reach a student. */
export function solutionLines(source: string, file = 'source'): string[] {
  const lines = source.split('\n');
  return findRegions(source, file).flatMap((r) =>
    lines
      .slice(r.begin + 1, r.end)
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  );
}

export interface StubFile {
  file: string;
  solutionPath: string;
  stubPath: string;
  stub: string;
}

/** An assignment's stubs as the generator would write them now: one per code file of the reference. */
export function expectedStubs(assignment: Assignment): StubFile[] {
  return assignment.files
    .filter((file) => file.endsWith('.ts'))
    .map((file) => {
      const solutionPath = join(assignment.reference, file);
      const stub = STUB_LINT_NOTE + makeStub(readFileSync(solutionPath, 'utf8'), file);
      return { file, solutionPath, stubPath: join(assignment.workspace, file), stub };
    });
}
