// Student strings are inert in every report. A submission controls much of what a report echoes: its
// exception messages and stack frames, its layer and file names, its source lines, its answers, its folder's
// name in a batch. Threat model: a terminal obeys escape sequences and carriage returns (redraw the screen,
// forge a PASS line and a total over the real ones), a line break starts a line that reads as the grader's
// own, Unicode's bidirectional controls reorder what a reader sees (Trojan Source), markup renders in
// Markdown and HTML, and a megabyte of text buries the report. So every string of a report is made inert
// once, before any format is written (grade.ts, and renderReport again for reports read back from disk):
// control characters are shown escaped, readable (`\u001b`, `\n`), and what is echoed is bounded. Each
// format then escapes its own markup (templates.ts for Markdown and HTML; xmlbuilder2 for JUnit; JSON).
import type { GradeReport } from '@course/core';

/**
 * C0 and C1 controls and DEL; line and paragraph separators; bidirectional and other invisible format
 * controls (zero-width characters, the byte-order mark, interlinear annotations).
 */
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this regex's job.
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Characters of one string a report echoes at most (a child's message is cut at 2,000 already). */
export const MAX_ECHO = 4000;

/**
 * `text` with every control character shown escaped (`\n`, `\r`, `\t`, else `\u001b`-style) and cut to
 * `max` characters (`…` marks the cut). Idempotent: an inert string stays as it is.
 */
export function inert(text: string, max: number = MAX_ECHO): string {
  const escaped = text.replace(
    CONTROL,
    (c) => NAMED[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

/**
 * A multi-line text (a student's written answer, rendered as Markdown) made inert line by line: its line
 * breaks stay, everything else `inert` escapes is escaped (a lone carriage return included).
 */
export function inertLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => inert(line, Number.POSITIVE_INFINITY))
    .join('\n');
}

/** Every string in a value (objects and arrays, as JSON has them) made inert; numbers and flags untouched. */
function inertDeep<T>(value: T): T {
  if (typeof value === 'string') return inert(value) as T;
  if (Array.isArray(value)) return value.map(inertDeep) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [inert(k, 200), inertDeep(v)])) as T;
}

/** The report with every string inert: what every format is written from. */
export function inertReport(report: GradeReport): GradeReport {
  return inertDeep(report);
}
