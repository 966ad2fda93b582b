// The one place that lists and reads a submission's files. A student controls every entry of the folder
// (a git repository, a Gradescope upload, an LMS export), links included: a `bottleneck.ts` that is a
// symbolic link to the reference solution must not be graded as the student's. So only regular files
// that really lie inside the folder are read (lstat per entry, the resolved path checked, opened with
// O_NOFOLLOW and checked again on the open descriptor), each size-bounded; everything else is refused
// with one line naming it and why. Grading then works on a private copy of exactly the accepted files,
// so no later reader (esbuild, tsc) can follow a link either, and the hash covers exactly those files.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

/** Files the grader reads: the student's TypeScript and what it may import. Others (answers.md) are not graded. */
export const SOURCE_FILE = /\.(?:ts|mts|cts|js|mjs|cjs|json)$/;
/** A student file is a few kilobytes; a bound keeps a huge (or endless) file from costing memory or time. */
export const MAX_FILE_BYTES = 256 * 1024;
export const MAX_TOTAL_BYTES = 4 * 1024 * 1024;
export const MAX_FILES = 200;
/** Folders below the submission folder that are searched for source files. */
export const MAX_DEPTH = 4;
const SKIPPED = new Set(['node_modules', '.git']);

export interface RefusedFile {
  /** Path relative to the submission folder, with '/' separators ('.' for the folder itself). */
  file: string;
  reason: string;
}

export interface Submission {
  /** The accepted files: relative path ('/' separators) → contents. */
  files: Map<string, Buffer>;
  refused: RefusedFile[];
  /** sha256 over the accepted files' paths and bytes, in path order: exactly what is graded. */
  hash: string;
}

/** How a refused entry reads in a report: one line naming the file and why. */
export function refusedLine(r: RefusedFile): string {
  return r.file === '.' ? `refused: ${r.reason}` : `${r.file} refused: ${r.reason}`;
}

function kindOf(s: Stats): string | undefined {
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (!s.isFile() && !s.isDirectory()) return 'not a regular file';
  return undefined;
}

const ONLY_REGULAR = 'the grader reads only regular files inside the submission folder; commit the file itself';

function inside(real: string, rootReal: string): boolean {
  return real.startsWith(rootReal + sep);
}

/**
 * Read one file without following a link, and only if it is still the regular file that lstat saw
 * (O_NONBLOCK: opening a FIFO swapped in since must not block). Returns the bytes or why not.
 */
function readRegular(path: string, seen: Stats, limit: number): Buffer | string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? `a symbolic link; ${ONLY_REGULAR}` : `cannot be read (${code ?? 'error'})`;
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile() || s.ino !== seen.ino || s.dev !== seen.dev) return `changed while it was read; ${ONLY_REGULAR}`;
    if (s.size > limit) return tooBig(s.size, limit);
    // Read one byte past the bound, in case the file grows after fstat.
    const buf = Buffer.alloc(limit + 1);
    let n = 0;
    for (let got = 1; got > 0 && n <= limit; n += got) got = readSync(fd, buf, n, limit + 1 - n, n);
    return n > limit ? tooBig(n, limit) : buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function tooBig(size: number, limit: number): string {
  const bound =
    limit < MAX_FILE_BYTES
      ? `over what is left of the ${MAX_TOTAL_BYTES / 1024 / 1024} MB all source files may take together`
      : `over ${Math.round(limit / 1024)} KB`;
  return `${bound} (${size.toLocaleString('en-US')} bytes; the limit keeps grading within its memory and time)`;
}

/** List and read a submission folder: every accepted file, every refused entry, and the hash. */
export function readSubmission(dir: string): Submission {
  const files = new Map<string, Buffer>();
  const refused: RefusedFile[] = [];
  const done = (): Submission => ({ files, refused, hash: hashFiles(files) });
  let rootStat: Stats;
  try {
    rootStat = lstatSync(dir);
  } catch {
    refused.push({ file: '.', reason: `the submission folder '${basename(dir)}' does not exist` });
    return done();
  }
  if (!rootStat.isDirectory()) {
    const kind = kindOf(rootStat) ?? 'not a folder';
    refused.push({
      file: '.',
      reason: `the submission folder '${basename(dir)}' is ${kind}; hand in a real folder holding your files`,
    });
    return done();
  }
  const rootReal = realpathSync(dir);
  let total = 0;
  const walk = (folder: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(folder).sort();
    } catch {
      refused.push({ file: rel(folder), reason: 'cannot be listed' });
      return;
    }
    for (const name of names) {
      if (name.startsWith('.') || SKIPPED.has(name)) continue;
      const path = join(folder, name);
      const file = rel(path);
      let s: Stats;
      try {
        s = lstatSync(path);
      } catch {
        continue; // Gone since it was listed.
      }
      const kind = kindOf(s);
      if (kind) {
        refused.push({ file, reason: `${kind}; ${ONLY_REGULAR}` });
        continue;
      }
      if (s.isDirectory()) {
        if (depth < MAX_DEPTH) walk(path, depth + 1);
        continue;
      }
      if (!SOURCE_FILE.test(name)) continue;
      if (!inside(realpathSync(path), rootReal)) {
        refused.push({ file, reason: `lies outside the submission folder; ${ONLY_REGULAR}` });
        continue;
      }
      if (files.size >= MAX_FILES) {
        refused.push({ file, reason: `more than ${MAX_FILES} source files in the submission` });
        continue;
      }
      const bytes = readRegular(path, s, Math.min(MAX_FILE_BYTES, MAX_TOTAL_BYTES - total));
      if (typeof bytes === 'string') refused.push({ file, reason: bytes });
      else {
        files.set(file, bytes);
        total += bytes.length;
      }
    }
  };
  const rel = (path: string) => relative(dir, path).split(sep).join('/') || '.';
  walk(dir, 0);
  return done();
}

function hashFiles(files: ReadonlyMap<string, Buffer>): string {
  const hash = createHash('sha256');
  for (const file of [...files.keys()].sort()) {
    hash
      .update(`${file}\0`)
      .update(files.get(file) as Buffer)
      .update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Write the accepted files into a fresh private folder under `parent`, which grading then reads instead. */
export function writeSnapshot(submission: Submission, parent: string): string {
  mkdirSync(parent, { recursive: true });
  const out = mkdtempSync(join(parent, 'submission-'));
  for (const [file, bytes] of submission.files) {
    const path = join(out, ...file.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes, { flag: 'wx' });
  }
  return out;
}
