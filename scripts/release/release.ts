// `pnpm release --out DIR [--ref REV] [--force] [--verify]`: writes the student repository. The files
// of a commit (git archive, HEAD by default), minus the instructor's (scripts/release/plan.ts), with every solution region
// replaced by a "not implemented yet" throw; then proves that no solution line and no hidden check
// id made it out. --verify installs the result offline and grades its stubs there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findLeaks, hiddenCheckIds, secretLines } from './release/leaks.ts';
import { type Action, PLACED, planFile, releasePackageJson, strip } from './release/plan.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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

export function release(outDir: string, options: { force?: boolean; ref?: string; repo?: string } = {}): ReleaseResult {
  const out = resolve(outDir);
  const files = snapshot(options.ref, options.repo);
  prepareOut(out, options.force ?? false);
  const actions = files.map((f) => planFile(f.path, f.text));
  const written: string[] = [];
  files.forEach((file, i) => {
    const action = actions[i]!;
    if (action.kind === 'skip') return;
    const to = join(out, file.path);
    mkdirSync(dirname(to), { recursive: true });
    if (action.kind === 'strip') writeFileSync(to, strip(file.path, file.text!));
    else if (file.path === 'package.json') writeFileSync(to, releasePackageJson(file.text!));
    else writeFileSync(to, file.bytes);
    written.push(file.path);
    const placed = PLACED[file.path];
    if (placed) {
      mkdirSync(dirname(join(out, placed)), { recursive: true });
      writeFileSync(join(out, placed), file.bytes);
    }
  });
  checkRelease(out, files, written);
  return { outDir: out, actions, written };
}

/** Throws at the first solution line or hidden check id found in the written files. */
function checkRelease(out: string, files: SourceFile[], written: string[]): void {
  const textFiles = files.flatMap(({ path, text }) => (text === undefined ? [] : [{ path, text }]));
  const isText = new Set(textFiles.map((f) => f.path));
  const writtenText = written.filter((p) => isText.has(p));
  const released = new Set(written);
  const leaks = findLeaks(
    out,
    writtenText,
    secretLines(textFiles, (p) => released.has(p)),
  );
  if (leaks.length > 0) {
    const l = leaks[0]!;
    throw new Error(`solution line in the release at ${l.path}:${l.line} ('${l.text}'); mark it or exclude the file`);
  }
  const hidden = textFiles.find((f) => f.path === 'grader/hidden/manifest.json')?.text;
  for (const id of hiddenCheckIds(hidden)) {
    const where = writtenText.find((p) => readFileSync(join(out, p), 'utf8').includes(id));
    if (where) throw new Error(`hidden check id '${id}' appears in the release (${where}); keep it in grader/hidden`);
  }
}

/** Runs a command in the release; returns its stdout, or throws with the tail of its output. */
export function runIn(dir: string, args: string[], timeoutMs = 600_000): string {
  // --silent: no "> resnet-course@ grade" banner in front of the JSON.
  const r = spawnSync('npx', ['--yes', 'pnpm@10', '--silent', ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) throw new Error(`pnpm ${args.join(' ')} could not run: ${r.error.message}`);
  // grade exits non-zero when checks fail; that is a result, not an error, as long as it printed a report.
  if (r.status !== 0 && !(args[0] === 'grade' && r.stdout.trim().startsWith('{'))) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`pnpm ${args.join(' ')} failed in ${dir} (exit ${r.status}): ${tail}`);
  }
  return r.stdout;
}

export const INSTALL_ARGS = ['install', '--offline', '--frozen-lockfile=false'];

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      ref: { type: 'string', default: 'HEAD' },
      force: { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
    },
  });
  if (!values.out) throw new Error('--out DIR is required (a new or empty folder for the student repository)');
  const result = release(values.out, { force: values.force, ref: values.ref });
  const skipped = result.actions.filter((a) => a.kind === 'skip');
  const stripped = result.actions.filter((a) => a.kind === 'strip');
  console.log(`wrote ${result.written.length} files to ${result.outDir}`);
  console.log(`stripped solutions from: ${stripped.map((a) => a.path).join(', ') || 'none'}`);
  console.log(`left out ${skipped.length}: ${skipped.map((a) => a.path).join(', ')}`);
  console.log('checked: no solution line and no hidden check id in the release');
  if (values.verify) {
    runIn(result.outDir, INSTALL_ARGS);
    const report = JSON.parse(runIn(result.outDir, ['grade', '--format', 'json'])) as {
      score: number;
      maxScore: number;
    };
    console.log(`verified: installs offline and grades the stubs (${report.score}/${report.maxScore})`);
  }
  const shown = relative(process.cwd(), result.outDir);
  console.log(`next: cd ${shown.startsWith('..') ? result.outDir : shown || '.'} && git init && npx pnpm@10 install`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`release: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
    process.exitCode = 1;
  });
}
