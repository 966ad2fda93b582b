// One failure, one message: what stopped a student file from building (a file esbuild cannot bundle, a
// throw while loading, a missing file, an exception in a function) is said once, in full, with the cause
// where causes.ts knows it and the student's own source line; every other check it blocks points back to
// it. A type error does not stop anything (esbuild bundles the file and the child runs it): it is listed
// once in the report (`typeErrorEntries`), and a run-time failure on the very line it sits on names it.
// grade.ts calls this module for every build outcome and once more on the finished check results.

import type { CheckResult, TypeErrorEntry } from '@course/core';
import { diagnose, type Evidence } from './causes.ts';
import type { Built } from './checks/context.ts';
import type { BundleResult } from './sandbox/bundle.ts';
import { sourceExcerpt, type TypeDiagnostic } from './sandbox/diagnostic-text.ts';
import type { ItemOutcome } from './sandbox/spawn.ts';

/** What grade.ts knows about the item that failed (a BuildItem, read loosely: only these fields). */
export interface FailedCall {
  fn: string;
  input?: readonly number[];
  inputShape?: readonly number[];
  args?: readonly unknown[];
  numChannels?: number;
  options?: object;
}

type Failed = Extract<Built, { ok: false }>;

/** A failure that several checks may share, said in full only by the first of them. */
interface Blocker {
  /** The exact text every blocked outcome carries (what the checks quote). */
  text: string;
  /** How the first check says it (file-level problems drop the case prefix and the check's advice). */
  full?: string;
  /** How the checks after it say it. */
  back: string;
  /** The student's source line under the error, for the first check's details. */
  excerpt: string[];
  /** Whether the check's generic advice still helps after this message (not when the cause is named). */
  keepAdvice: boolean;
}

/** A stack frame with the student's file name only: `bottleneck (bottleneck.ts:16:31)`. */
export function studentFrame(frame: string): string {
  return frame.replace(/^at /, '').replace(/(?:file:\/\/)?[^\s(]*\/([^/\s)]+\.ts:\d+:\d+)/, '$1');
}

function callOf(item: FailedCall | undefined): Extract<Evidence, { kind: 'exception' }>['call'] {
  if (!item) return undefined;
  const args = item.args ?? [];
  const options = (item.options ?? args.find((a) => typeof a === 'object' && a !== null && !Array.isArray(a))) as
    | { strides?: number; use1x1conv?: boolean }
    | undefined;
  return {
    fn: item.fn,
    inputShape: item.inputShape ?? item.input,
    numChannels: item.numChannels ?? (args.find((a) => typeof a === 'number') as number | undefined),
    options,
  };
}

/** The type error on the line a failure passed through (its innermost student frame first), if any. */
function typeErrorOn(frames: readonly string[], types: readonly TypeDiagnostic[]): TypeDiagnostic | undefined {
  for (const frame of frames) {
    const m = /([^\s()]+\.ts):(\d+):\d+\)?$/.exec(frame);
    const hit = m && types.find((d) => d.line === Number(m[2]) && (d.file === m[1] || d.file.endsWith(`/${m[1]}`)));
    if (hit) return hit;
  }
  return undefined;
}

/** Points at the type error (said in full once, under Type errors) on the line a failure passed through. */
const typeNote = (d: TypeDiagnostic) =>
  `; TypeScript flags that line: ${d.file}:${d.line}:${d.column} (error TS${d.code}, under Type errors)`;

/** How many type errors the report lists (each with its source line); `npx pnpm@10 typecheck` lists them all. */
export const TYPE_ERRORS_SHOWN = 20;

/**
 * The report's list of type errors, each once, in file order: the compiler's message, or its cause and fix
 * where causes.ts knows it (the missing cast of layer.apply, a tensor op on symbolic tensors).
 */
export function typeErrorEntries(diagnostics: ReadonlyMap<string, readonly TypeDiagnostic[]>): {
  total: number;
  shown: TypeErrorEntry[];
} {
  const all = [...diagnostics.values()].flat();
  return {
    total: all.length,
    shown: all.slice(0, TYPE_ERRORS_SHOWN).map((d) => ({
      file: d.file,
      line: d.line,
      column: d.column,
      code: d.code,
      message: `error TS${d.code}: ${diagnose({ kind: 'type-error', code: d.code, text: d.text, source: d.source })?.text ?? d.text}`,
      excerpt: sourceExcerpt(d),
    })),
  };
}

/** What the grader read from a student file itself (never from what its child process said). */
export interface FileFacts {
  types?: readonly TypeDiagnostic[];
  /** The name of the file's default export ('' when anonymous), when it has one. */
  defaultExport?: string;
}

/** Collects the blockers of one grading; `finish` rewrites the check results so each is said once. */
export function createFailureLog() {
  const blockers = new Map<string, Blocker>();
  const note = (b: Blocker) => {
    if (!blockers.has(b.text)) blockers.set(b.text, b);
    return b.text;
  };

  /**
   * The message for an item the child could not build (its status and one line). `file`: what the grader
   * read from the item's file itself: its type errors (one on a line the failure passed through is named as
   * what to look at) and its default export (a function exported as default instead of by name).
   */
  function failureMessage(o: Extract<ItemOutcome, { ok: false }>, item?: FailedCall, file: FileFacts = {}): Failed {
    const line = o.message.split('\n')[0] ?? o.message;
    if (/not implemented yet/i.test(line)) return { ok: false, status: 'failed', message: line };
    const frames = o.frames.map(studentFrame);
    const typed = typeErrorOn(frames, file.types ?? []);
    const at = `${frames[0] ? ` (at ${frames[0]})` : ''}${typed ? typeNote(typed) : ''}`;
    const error = (message: string, keepAdvice = true): Failed => ({
      ok: false,
      status: 'error',
      message: note({ text: message, back: 'blocked by the error above', excerpt: [], keepAdvice }),
    });
    switch (o.reason) {
      case 'missing-export': {
        const cause = item && diagnose({ kind: 'missing-export', fn: item.fn, defaultExport: file.defaultExport });
        return cause ? error(cause.text, false) : error(`${line}: export it from the file`);
      }
      case 'exception': {
        if (/Array buffer allocation failed|Invalid typed array length|out of memory/i.test(line))
          return error(`ran out of memory: ${line}${at}`);
        if (/restricted|ERR_ACCESS_DENIED/.test(line))
          return error(
            `denied by the sandbox: ${line}${at} (submissions cannot read or write files, start processes or workers)`,
          );
        const cause = diagnose({ kind: 'exception', message: line, frames, call: callOf(item) });
        return cause ? error(cause.text, false) : error(`threw ${line}${at}`);
      }
      case 'load-failed': {
        const place = /([^\s()]+\.ts:\d+:\d+)/.exec(frames[0] ?? '')?.[1];
        const text = `the file threw while loading: ${line}${place ? ` (at ${place})` : ''}${typed ? typeNote(typed) : ''}`;
        return {
          ok: false,
          status: 'error',
          message: note({
            text,
            full: text,
            back: `blocked by the load error above${place ? ` (${place})` : ''}`,
            excerpt: [],
            keepAdvice: false,
          }),
        };
      }
      default:
        return error(line);
    }
  }

  /** The message for every item of a file that is not in the submission. */
  function missingFile(file: string): Failed {
    const text = `${file} is missing from the submission`;
    return {
      ok: false,
      status: 'failed',
      message: note({
        text,
        full: text,
        back: `blocked: ${file} is missing (see above)`,
        excerpt: [],
        keepAdvice: false,
      }),
    };
  }

  /** The message for every item of a file esbuild could not bundle (a syntax error, a refused import). */
  function bundleFailed(bundle: Extract<BundleResult, { ok: false }>): Failed {
    const compile = bundle.reason === 'compile-error';
    const text = compile ? `compile error: ${bundle.message}` : bundle.message;
    const where = bundle.location ? ` (${bundle.location.file}:${bundle.location.line}:${bundle.location.column})` : '';
    return {
      ok: false,
      status: 'error',
      message: note({
        text,
        full: text,
        back: `blocked by the ${compile ? 'compile error' : 'refused import'} above${where}`,
        excerpt: bundle.location ? sourceExcerpt(bundle.location) : [],
        keepAdvice: false,
      }),
    };
  }

  /**
   * The check results with each blocker said once: the first check quoting it keeps it (file-level
   * problems in full, with the source line), every later one says "blocked by … above".
   */
  function finish(checks: readonly CheckResult[]): CheckResult[] {
    const said = new Map<string, string>();
    return checks.map((c) => {
      if (c.status !== 'failed' && c.status !== 'error') return c;
      const b = [...blockers.values()].find((x) => c.message.includes(x.text));
      if (!b) return c;
      const first = said.get(b.text);
      // Without a file and line to point at, name the check that said it.
      if (first) return { ...c, message: /\)$/.test(b.back) ? b.back : `${b.back} (${first})`, details: undefined };
      said.set(b.text, c.id);
      let message = c.message;
      if (b.full) message = b.full;
      else if (!b.keepAdvice) {
        // `what: text (and 2 more cases). advice`: the advice repeats what the cause already says.
        const end = message.indexOf(b.text) + b.text.length;
        const more = /^ \(and \d+ more cases?\)/.exec(message.slice(end))?.[0] ?? '';
        message = message.slice(0, end) + more;
      }
      // The other cases' lines that repeat the very same failure add nothing.
      const own = (c.details?.lines ?? []).filter((l) => !l.includes(b.text));
      if (b.full) return { ...c, message, details: b.excerpt.length ? { lines: b.excerpt } : undefined };
      return { ...c, message, details: { ...c.details, lines: [...b.excerpt, ...own] } };
    });
  }

  return { failureMessage, missingFile, bundleFailed, finish };
}

export type FailureLog = ReturnType<typeof createFailureLog>;
