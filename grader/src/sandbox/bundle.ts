// Compile one student file into plain JS for the sandboxed child. TF.js and the runner are bundled once
// into a shared runtime file; the student bundle reaches TF.js only through it. Two files means the
// child's permission model can allow reading exactly those (no node_modules, no reference solution),
// and the import policy is enforced here, before anything runs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { studentPath } from './diagnostic-text.ts';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** Where compiled bundles go: gitignored, inside the workspace. */
export const SANDBOX_DIR = resolve(here, '../../.sandbox');
const RUNNER = join(here, 'runner.ts');

/** Where esbuild stopped, as the student knows their file (for the report's source excerpt). */
export interface BundleLocation {
  file: string;
  line: number;
  column: number;
  source: string;
}

export type BundleResult =
  | { ok: true; file: string; runtime: string }
  | { ok: false; reason: 'forbidden-import' | 'compile-error'; message: string; location?: BundleLocation };

/** Why a specifier is refused, or undefined when a student file may import it. */
export function forbiddenReason(
  specifier: string,
  resolvedPath: string | undefined,
  submissionDir: string,
): string | undefined {
  if (specifier === '@tensorflow/tfjs') return undefined;
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const rel = relative(submissionDir, resolvedPath ?? specifier);
    if (rel.startsWith('..') || isAbsolute(rel))
      return 'it reaches outside the submission folder (the reference and the grader are off limits)';
    return undefined;
  }
  const bare = specifier.replace(/^node:/, '').split('/')[0] ?? specifier;
  if (builtinModules.includes(bare))
    return `'${bare}' is a Node.js built-in module (processes, files and network are not available to submissions)`;
  return 'submissions may import only @tensorflow/tfjs and their own files';
}

let runtimePromise: Promise<string> | undefined;

/** TF.js plus the runner, bundled once per grader version into a content-addressed file. */
function runtimeBundle(outDir: string): Promise<string> {
  runtimePromise ??= (async () => {
    const tfjsPkg = readFileSync(require.resolve('@tensorflow/tfjs/package.json'), 'utf8');
    const key = createHash('sha256')
      .update(readFileSync(RUNNER))
      .update(readFileSync(join(here, 'protocol.ts')))
      .update(tfjsPkg)
      .digest('hex')
      .slice(0, 16);
    const file = join(outDir, `runtime-${key}.cjs`);
    if (existsSync(file)) return file;
    const result = await esbuild.build({
      entryPoints: [RUNNER],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
    });
    mkdirSync(outDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, result.outputFiles?.[0]?.text ?? '');
    renameSync(tmp, file);
    return file;
  })();
  return runtimePromise;
}

function studentPolicy(submissionDir: string, runtime: string, violations: string[]): esbuild.Plugin {
  return {
    name: 'student-import-policy',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.path === runtime) return { path: runtime, external: true };
        if (args.importer === '' || args.importer === '<stdin>' || args.namespace !== 'file') return undefined;
        let resolvedPath: string | undefined;
        if (args.path.startsWith('.') || isAbsolute(args.path)) resolvedPath = resolve(args.resolveDir, args.path);
        const why = forbiddenReason(args.path, resolvedPath, submissionDir);
        if (why) {
          violations.push(`${studentPath(submissionDir, args.importer)}: forbidden import '${args.path}': ${why}`);
          return { path: args.path, external: true };
        }
        if (args.path === '@tensorflow/tfjs') return { path: 'tfjs', namespace: 'runtime' };
        return undefined;
      });
      // The student's TF.js is the runtime's own instance (one engine, one set of layer classes).
      build.onLoad({ filter: /.*/, namespace: 'runtime' }, () => ({
        contents: `module.exports = require(${JSON.stringify(runtime)}).tf;`,
        loader: 'js',
      }));
    },
  };
}

/** esbuild's location.file is relative to absWorkingDir (the submission), not to the grader's cwd. */
function locate(e: esbuild.Message | undefined, submissionDir: string): BundleLocation | undefined {
  if (!e?.location) return undefined;
  return {
    file: studentPath(submissionDir, e.location.file),
    line: e.location.line,
    column: e.location.column + 1,
    source: e.location.lineText,
  };
}

function firstError(errors: esbuild.Message[], submissionDir: string): string {
  const e = errors[0];
  if (!e) return 'compilation failed';
  const at = locate(e, submissionDir);
  return `${at ? `${at.file}:${at.line}:${at.column}: ` : ''}${e.text}`;
}

/** Bundle `file` (relative to `submissionDir`) for the sandboxed child, refusing forbidden imports. */
export async function bundleStudentFile(
  submissionDir: string,
  file: string,
  outDir = SANDBOX_DIR,
): Promise<BundleResult> {
  const dir = resolve(submissionDir);
  const entry = join(dir, file);
  const runtime = await runtimeBundle(outDir);
  const violations: string[] = [];
  const stdin = `require(${JSON.stringify(runtime)}).serve(() => require(${JSON.stringify(entry)}), ${JSON.stringify([file])});`;
  let result: esbuild.BuildResult;
  try {
    result = await esbuild.build({
      stdin: { contents: stdin, resolveDir: dir, loader: 'js', sourcefile: 'sandbox-entry.js' },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      // Source paths relative to the submission, so stack frames name the student's own file.
      absWorkingDir: dir,
      logLevel: 'silent',
      plugins: [studentPolicy(dir, runtime, violations)],
    });
  } catch (err) {
    const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
    return { ok: false, reason: 'compile-error', message: firstError(errors, dir), location: locate(errors[0], dir) };
  }
  if (violations.length > 0) return { ok: false, reason: 'forbidden-import', message: violations[0] ?? '' };
  mkdirSync(outDir, { recursive: true });
  const out = join(
    outDir,
    `${file.replace(/\W/g, '_')}-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.cjs`,
  );
  writeFileSync(out, result.outputFiles?.[0]?.text ?? '');
  return { ok: true, file: out, runtime };
}
