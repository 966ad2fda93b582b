// How a type error reads: the types and text helpers of diagnostics.ts, apart from the TypeScript compiler
// it runs, so that the modules that only format errors (and every grading's start) do not load it.
import { basename, isAbsolute, relative, resolve } from 'node:path';

/** One type error, as the student knows their file. */
export interface TypeDiagnostic {
  /** The file relative to the submission folder (`bottleneck.ts`), never a path from the grader's cwd. */
  file: string;
  /** 1-based line and column. */
  line: number;
  column: number;
  code: number;
  text: string;
  /** The student's source line, as written (trailing blanks removed). */
  source: string;
  /**
   * The exported functions this error belongs to (the one it sits in, or those using the private helper it
   * sits in); undefined when it is at the top level and so concerns the whole file.
   */
  functions?: string[];
}

/** `bottleneck.ts:34:28: error TS2345: …` */
export function formatDiagnostic(d: TypeDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: error TS${d.code}: ${d.text}`;
}

/** Characters of a source line the report shows around the column (a file may be one 256 KB line). */
const EXCERPT_WIDTH = 120;

/** The student's line with a caret under the column, for the report's detail lines. */
export function sourceExcerpt(d: { line: number; column: number; source: string }): string[] {
  if (!d.source.trim()) return [];
  const gutter = String(d.line);
  const indent = d.source.match(/^\s*/)?.[0].length ?? 0;
  const line = d.source.slice(indent);
  const at = Math.min(Math.max(0, d.column - 1 - indent), line.length);
  const start =
    line.length > EXCERPT_WIDTH ? Math.max(0, Math.min(at - EXCERPT_WIDTH / 2, line.length - EXCERPT_WIDTH)) : 0;
  const end = start + EXCERPT_WIDTH;
  const shown = `${start > 0 ? '…' : ''}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
  const caret = at - start + (start > 0 ? 1 : 0);
  return [`${gutter} | ${shown}`, `${' '.repeat(gutter.length)} | ${' '.repeat(caret)}^`];
}

/** A path the student recognises: relative to the submission, or just the file name if it lies elsewhere. */
export function studentPath(submissionDir: string, file: string): string {
  const rel = relative(submissionDir, isAbsolute(file) ? file : resolve(submissionDir, file));
  return rel.startsWith('..') || isAbsolute(rel) || rel === '' ? basename(file) : rel.split('\\').join('/');
}
