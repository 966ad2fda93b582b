// `pnpm release --out DIR [--ref REV] [--force] [--verify]`: writes the student repository. The files
// of a commit (git archive, HEAD by default), minus the instructor's (by where they live:
// plan.ts), with every solution region replaced by a "not implemented yet" throw and the
// student README in place of the instructor's; then proves that no solution line, no hidden check id and
// no link to a left-out file made it out. --verify installs the result offline, runs its own test
// command, grades its stubs there, and grades every TypeScript file of it as a submission.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_ASSIGNMENT, REPO_ROOT } from '@course/core';
import { describeLeaks, gradeReleaseFiles } from './adversary.ts';
import { findLeaks, hiddenCheckIds, secretLines } from './leaks.ts';
import { pruneLockfile } from './lockfile.ts';
import {
  type Action,
  assignmentsIn,
  gitlabRoot,
  type LeftOut,
  markedFolders,
  placedAt,
  placeRule,
  planRelease,
  releasePackageJson,
  STUDENT_README,
  strip,
  studentReadme,
} from './plan.ts';
import { verifyReleaseCi } from './verify.ts';

export const REPO = REPO_ROOT;

export interface SourceFile {
  path: string;
  bytes: Buffer;
  /** undefined for binary files. */
  text: string | undefined;
}

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

/**
 * The tracked files of a commit (default HEAD), as `git archive` gives them: what others have not
 * committed yet (or a file deleted in the working tree) cannot break or leak into a release.
 */
export function snapshot(ref = 'HEAD', repo = REPO): SourceFile[] {
  const tar = execFileSync('git', ['archive', '--format=tar', ref], { cwd: repo, maxBuffer: 1 << 30 });
  const stage = mkdtempSync(join(tmpdir(), 'release-stage-'));
  try {
    const r = spawnSync('tar', ['-x', '-C', stage], { input: tar });
    if (r.status !== 0) throw new Error(`could not unpack git archive ${ref}: ${r.stderr.toString().trim()}`);
    return walk(stage)
      .sort()
      .map((path) => {
        const bytes = readFileSync(join(stage, path));
        return { path, bytes, text: bytes.includes(0) ? undefined : bytes.toString('utf8') };
      });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export interface ReleaseResult {
  outDir: string;
  assignments: string[];
  actions: Action[];
  written: string[];
}

function prepareOut(outDir: string, force: boolean): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (!force) throw new Error(`${outDir} is not empty; choose a new folder or pass --force to replace it`);
    if (resolve(outDir) === REPO || REPO.startsWith(`${resolve(outDir)}/`)) {
      throw new Error(`--out ${outDir} would delete the repository itself; choose another folder`);
    }
    rmSync(outDir, { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });
}

/** The bytes a kept file is written with: stripped, the release's package.json, or the student README. */
function releasedBytes(
  file: SourceFile,
  action: Action,
  files: readonly SourceFile[],
  leftOut: LeftOut,
  assignments: readonly string[],
): Buffer | string {
  if (action.kind === 'strip') return strip(file.path, file.text!);
  if (posix.basename(file.path) === 'package.json') return releasePackageJson(file.path, file.text!, leftOut);
  if (file.path === 'pnpm-lock.yaml') return pruneLockfile(file.text!, leftOut);
  if (file.path === 'README.md') {
    const readme = files.find((f) => f.path === STUDENT_README);
    if (!readme) throw new Error(`${STUDENT_README} is missing from the commit: the release needs the student README`);
    const manifests = assignments.map((name) => ({
      name,
      manifest: files.find((f) => f.path === `assignments/${name}/manifest.json`)?.text ?? '{}',
    }));
    return studentReadme(readme.text!, manifests, DEFAULT_ASSIGNMENT);
  }
  return file.bytes;
}

export interface ReleaseOptions {
  force?: boolean;
  ref?: string;
  repo?: string;
  /** The assignments the release holds (default: every assignment of the commit). */
  assignments?: string[];
}

export function release(outDir: string, options: ReleaseOptions = {}): ReleaseResult {
  const out = resolve(outDir);
  const files = snapshot(options.ref, options.repo);
  const all = assignmentsIn(files.map((f) => f.path));
  const unknown = (options.assignments ?? []).filter((a) => !all.includes(a));
  if (unknown.length > 0)
    throw new Error(`--assignment ${unknown.join(', ')}: not in ${options.ref ?? 'HEAD'} (it has ${all.join(', ')})`);
  const assignments = options.assignments ?? all;
  prepareOut(out, options.force ?? false);
  const actions = planRelease(files, { assignments });
  const leftOut = leftOutOf(files, actions);
  const written: string[] = [];
  files.forEach((file, i) => {
    const action = actions[i]!;
    if (action.kind === 'skip') return;
    const to = join(out, file.path);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, releasedBytes(file, action, files, leftOut, assignments));
    written.push(file.path);
    const placed = placedAt(file.path);
    if (placed) {
      mkdirSync(dirname(join(out, placed)), { recursive: true });
      writeFileSync(join(out, placed), file.bytes);
      written.push(placed);
    }
  });
  const gitlab = gitlabRoot(written);
  if (gitlab) {
    writeFileSync(join(out, '.gitlab-ci.yml'), gitlab);
    written.push('.gitlab-ci.yml');
  }
  checkRelease(out, files, written);
  return { outDir: out, actions, written, assignments };
}

/** The left-out files, and the workspace packages among them (by name, and by folder for the lockfile). */
export function leftOutOf(files: readonly SourceFile[], actions: readonly Action[]): LeftOut {
  const skipped = files.filter((_, i) => actions[i]?.kind === 'skip');
  const manifests = skipped.filter((f) => posix.basename(f.path) === 'package.json' && f.text !== undefined);
  const packages = manifests
    .map((f) => (JSON.parse(f.text!) as { name?: string }).name)
    .filter((name): name is string => typeof name === 'string');
  return {
    packages: new Set(packages),
    importers: new Set(manifests.map((f) => posix.dirname(f.path))),
    files: new Set(skipped.map((f) => f.path)),
  };
}

/** Markdown links to relative paths that are not in the release: `[text](path)` and `[text]: path`. */
export function deadLinks(out: string, written: readonly string[]): Array<{ path: string; target: string }> {
  const present = new Set(written);
  const folders = new Set(
    written.flatMap((p) =>
      p
        .split('/')
        .slice(0, -1)
        .map((_, i, s) => s.slice(0, i + 1).join('/')),
    ),
  );
  const dead: Array<{ path: string; target: string }> = [];
  for (const path of written.filter((p) => p.endsWith('.md'))) {
    const text = readFileSync(join(out, path), 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|^\[[^\]]+\]:\s*(\S+)/gm)) {
      const target = (m[1] ?? m[2] ?? '').split('#')[0]!;
      if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) continue;
      const resolved = posix.normalize(posix.join(posix.dirname(path), decodeURI(target))).replace(/\/$/, '');
      if (resolved.startsWith('..') || (!present.has(resolved) && !folders.has(resolved))) dead.push({ path, target });
    }
  }
  return dead;
}

/** Throws at the first solution line, hidden check id or dead link found in the written files. */
function checkRelease(out: string, files: SourceFile[], written: string[]): void {
  const textFiles = files.flatMap(({ path, text }) => (text === undefined ? [] : [{ path, text }]));
  const writtenText = written.filter((p) => !readFileSync(join(out, p)).includes(0));
  const released = new Set(written);
  const leaks = findLeaks(
    out,
    writtenText,
    secretLines(textFiles, (p) => released.has(p)),
  );
  if (leaks.length > 0) {
    const l = leaks[0]!;
    throw new Error(
      `solution line in the release at ${l.path}:${l.line} ('${l.text}'); mark it or move the file to an instructor folder`,
    );
  }
  for (const { id, manifest } of hiddenIds(files)) {
    const where = writtenText.find((p) => readFileSync(join(out, p), 'utf8').includes(id));
    if (where)
      throw new Error(
        `hidden check id '${id}' (${manifest}) appears in the release (${where}); keep it in an instructor folder`,
      );
  }
  const dead = deadLinks(out, written);
  if (dead.length > 0) {
    throw new Error(
      `links to files the release leaves out: ${dead.map((d) => `${d.path} → ${d.target}`).join(', ')}; link only to what students get`,
    );
  }
}

/**
 * The ids of the hidden checks: those of every manifest.json that lives in an instructor place (an
 * assignment's instructor/manifest.json). Another assignment's public manifest is left out of a release
 * too, but its ids are no secret.
 */
export function hiddenIds(files: readonly SourceFile[]): Array<{ id: string; manifest: string }> {
  const marked = markedFolders(files.map((f) => f.path));
  return files.flatMap((f) =>
    posix.basename(f.path) === 'manifest.json' && f.text !== undefined && placeRule(f.path, marked) !== undefined
      ? hiddenCheckIds(f.text).map((id) => ({ id, manifest: f.path }))
      : [],
  );
}

/**
 * The report the released CI's last grade step wrote (its `--out grade-report`), which must be the stubs':
 * score 0, every exercise check "not implemented yet". Throws otherwise.
 */
export function stubReport(clone: string): {
  assignment: string;
  score: number;
  maxScore: number;
  checks: Array<{ id: string; status: string; message: string }>;
} {
  const file = join(clone, 'grade-report', 'report.json');
  if (!existsSync(file)) throw new Error('the released CI graded nothing: no grade-report/report.json in its clone');
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const unimplemented = report.checks.filter(
    (c: { status: string; message: string }) => c.status !== 'skipped' && !/not implemented yet/.test(c.message),
  );
  if (report.score !== 0 || unimplemented.length > 0)
    throw new Error(
      `the released stubs score ${report.score} (${unimplemented.map((c: { id: string }) => c.id).join(', ')} not "not implemented yet"): strip the solution regions`,
    );
  return report;
}

export const USAGE = `usage: pnpm release --out DIR [--assignment NAME]... [--ref REV] [--force] [--verify]
  --out         a new or empty folder for the student repository
  --assignment  the assignments it holds (repeatable; default: every one)
  --ref         the commit to release (default HEAD: the release takes the commit, not the working tree)
  --force       replace a folder that is not empty
  --verify      run the release's own CI in a fresh clone with empty caches, then attack it`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      ref: { type: 'string', default: 'HEAD' },
      force: { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
      assignment: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) throw new Error('--out DIR is required (a new or empty folder for the student repository)');
  const result = release(values.out, { force: values.force, ref: values.ref, assignments: values.assignment });
  const skipped = result.actions.filter((a) => a.kind === 'skip');
  const stripped = result.actions.filter((a) => a.kind === 'strip');
  console.log(`wrote ${result.written.length} files to ${result.outDir}`);
  console.log(`stripped solutions from: ${stripped.map((a) => a.path).join(', ') || 'none'}`);
  console.log(`left out ${skipped.length}:`);
  for (const a of skipped) if (a.kind === 'skip') console.log(`  ${a.path}: ${a.why}`);
  console.log('checked: no solution line, no hidden check id, no link to a left-out file');
  if (values.verify) {
    const ci = verifyReleaseCi(result.outDir, { log: (line) => console.log(`  ${line}`) });
    try {
      console.log(`verified: its own CI passes in a fresh clone with empty caches (${ci.steps.length} steps)`);
      const stubs = stubReport(ci.clone);
      console.log(`verified: its grade step grades the stubs (${stubs.assignment}: ${stubs.score}/${stubs.maxScore})`);
    } finally {
      ci.cleanup();
    }
    const adversary = await gradeReleaseFiles(result.outDir, {
      assignments: result.assignments,
      log: (line) => console.log(`  ${line}`),
    });
    if (adversary.leaks.length > 0)
      throw new Error(`released files score above the stubs: ${describeLeaks(adversary.leaks)}`);
    console.log(`verified: no released TypeScript file scores above the stubs (${adversary.attempts.length} gradings)`);
  }
  const shown = relative(process.cwd(), result.outDir);
  console.log(
    `next: cd ${shown.startsWith('..') ? result.outDir : shown || '.'} && git init && npx -y pnpm@10 install`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`release: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
