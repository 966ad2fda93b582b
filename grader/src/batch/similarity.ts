// Class similarity: the pairs of submissions that share the most code, with the shared fragments side by
// side, found by Dolos (a plagiarism detector made for programming courses: winnowed k-gram fingerprints
// of the tree-sitter token stream, so renaming variables or reformatting does not hide a copy), and the
// submissions that are byte-for-byte identical in their graded files (the intake's content hash).
// The stubs' given code is Dolos's "ignored file": what every student started from is not a match.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@course/d2l';
import { readSubmission, type Submission } from '../intake.ts';
import { renderTemplate } from '../reporters/templates.ts';

export interface Span {
  file: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  code: string;
}

export interface SimilarPair {
  left: string;
  right: string;
  /** Dolos's similarity: shared fingerprints over both files' fingerprints, 0..1. */
  similarity: number;
  /** Longest run of shared k-grams. */
  longest: number;
  fragments: Array<{ left: Span; right: Span }>;
}

export interface SimilarityReport {
  /** Which detector ran ('Dolos 3.5.1'), or why none did. */
  detector: string;
  detectorRan: boolean;
  students: number;
  /** The code files compared (the assignment's student files). */
  files: string[];
  /** Groups of two or more students whose graded files are identical. */
  identical: Array<{ hash: string; students: string[] }>;
  pairs: SimilarPair[];
}

export interface SimilarityOptions {
  /** Code files of a submission to compare, in this order (e.g. bottleneck.ts, preact.ts). */
  files: string[];
  /** The folder of the stubs the students were given (ignored code); none when absent. */
  stubsDir?: string;
  /** How many pairs to keep (the most similar first); default 25. */
  limit?: number;
  /** Fragments shown per pair; default 6. */
  fragmentsPerPair?: number;
}

/** One student's code files as one text, and where each file starts in it (0-based lines). */
interface Joined {
  text: string;
  starts: Array<{ file: string; line: number }>;
}

function joinFiles(read: (file: string) => Buffer | undefined, files: readonly string[]): Joined | undefined {
  const parts: string[] = [];
  const starts: Joined['starts'] = [];
  let line = 0;
  for (const file of files) {
    const bytes = read(file);
    if (bytes === undefined) continue;
    const text = bytes.toString('utf8').replace(/\r\n/g, '\n');
    // A comment line between the files: Dolos leaves comments out, the page maps lines back.
    parts.push(`// ---- ${file}`);
    line += 1;
    starts.push({ file, line });
    parts.push(text);
    line += text.split('\n').length;
  }
  return starts.length > 0 ? { text: parts.join('\n'), starts } : undefined;
}

function span(joined: Joined, startRow: number, endRow: number): Span {
  const at = [...joined.starts].reverse().find((s) => s.line <= startRow) ?? joined.starts[0]!;
  const lines = joined.text.split('\n');
  const shown = lines.slice(startRow, Math.min(endRow + 1, startRow + 40));
  return {
    file: at.file,
    startLine: startRow - at.line + 1,
    endLine: endRow - at.line + 1,
    code: shown.join('\n') + (endRow + 1 > startRow + 40 ? '\n…' : ''),
  };
}

/** Students whose graded files hash alike (the intake's submission hash). */
export function identicalGroups(submissions: ReadonlyMap<string, Submission>): SimilarityReport['identical'] {
  const byHash = new Map<string, string[]>();
  for (const [student, { hash, files }] of submissions) {
    if (files.size === 0) continue;
    byHash.set(hash, [...(byHash.get(hash) ?? []), student]);
  }
  return [...byHash.entries()]
    .filter(([, group]) => group.length > 1)
    .map(([hash, group]) => ({ hash, students: [...group].sort() }))
    .sort((a, b) => b.students.length - a.students.length || (a.students[0]! < b.students[0]! ? -1 : 1));
}

type DolosModule = typeof import('@dodona/dolos-lib');

async function loadDolos(): Promise<{ mod: DolosModule; version: string } | { error: string }> {
  try {
    const mod = (await import('@dodona/dolos-lib')) as DolosModule;
    // The package exports only its entry (dist/index.js); its package.json is two folders up.
    const entry = createRequire(import.meta.url).resolve('@dodona/dolos-lib');
    const { version } = JSON.parse(readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8')) as {
      version: string;
    };
    return { mod, version };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] ?? 'could not load' };
  }
}

export async function classSimilarity(
  submissionsDir: string,
  students: readonly string[],
  opts: SimilarityOptions,
): Promise<SimilarityReport> {
  // Read as the grader reads them (regular files inside the folder, no links followed, sizes bounded).
  const submissions = new Map(students.map((s) => [s, readSubmission(join(submissionsDir, s))] as const));
  const identical = identicalGroups(submissions);
  const base = { students: students.length, files: opts.files, identical };
  const joined = new Map<string, Joined>();
  for (const [student, submission] of submissions) {
    const j = joinFiles((file) => submission.files.get(file), opts.files);
    if (j) joined.set(student, j);
  }
  if (joined.size < 2) {
    return {
      ...base,
      detector: 'Dolos (not run: fewer than two submissions with code)',
      detectorRan: false,
      pairs: [],
    };
  }
  const dolos = await loadDolos();
  if ('error' in dolos) {
    return {
      ...base,
      detector: `Dolos unavailable (@dodona/dolos-lib, an optional dependency, did not load: ${dolos.error}); identical submissions only`,
      detectorRan: false,
      pairs: [],
    };
  }
  const { Dolos, File } = dolos.mod;
  const files = [...joined.entries()].map(([student, j]) => new File(`${student}.ts`, j.text));
  const stubsDir = opts.stubsDir;
  const stubs = stubsDir
    ? joinFiles(
        (file) => (existsSync(join(stubsDir, file)) ? readFileSync(join(stubsDir, file)) : undefined),
        opts.files,
      )
    : undefined;
  const ignored = stubs ? new File('stubs.ts', stubs.text) : undefined;
  const detector = new Dolos({ language: 'typescript' });
  const report = await detector.analyze(files, 'class', ignored);
  const studentOf = (path: string) => path.slice(0, -'.ts'.length);
  const pairs = report
    .allPairs()
    .filter((p) => p.similarity > 0)
    .sort((a, b) => b.similarity - a.similarity || b.longest - a.longest)
    .slice(0, opts.limit ?? 25)
    .map((p): SimilarPair => {
      const left = studentOf(p.leftFile.path);
      const right = studentOf(p.rightFile.path);
      const fragments = p
        .buildFragments()
        .sort((a, b) => b.pairs.length - a.pairs.length)
        .slice(0, opts.fragmentsPerPair ?? 6)
        .map((f) => ({
          left: span(joined.get(left)!, f.leftSelection.startRow, f.leftSelection.endRow),
          right: span(joined.get(right)!, f.rightSelection.startRow, f.rightSelection.endRow),
        }));
      return { left, right, similarity: Math.round(p.similarity * 1000) / 1000, longest: p.longest, fragments };
    });
  return { ...base, detector: `Dolos ${dolos.version}`, detectorRan: true, pairs };
}

export const SIMILARITY_JSON = 'similarity.json';
export const SIMILARITY_HTML = 'similarity.html';

export function similarityHtml(report: SimilarityReport): string {
  return renderTemplate('similarity.html.hbs', report);
}

/** similarity.json (the data, which merge carries over) and similarity.html, next to the class summary. */
export async function writeSimilarity(outDir: string, report: SimilarityReport): Promise<void> {
  await writeFileAtomic(join(outDir, SIMILARITY_JSON), `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(join(outDir, SIMILARITY_HTML), similarityHtml(report));
}

export function readSimilarity(outDir: string): SimilarityReport | undefined {
  try {
    return JSON.parse(readFileSync(join(outDir, SIMILARITY_JSON), 'utf8')) as SimilarityReport;
  } catch {
    return undefined;
  }
}
