// Compile one student file, with TF.js and the child runner, into a single plain-JS file. One file means
// the child's permission model can allow reading exactly that file and nothing else (no node_modules,
// no reference solution), and the import policy is enforced here, before anything runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** Where compiled bundles go: gitignored, inside the workspace. */
export const SANDBOX_DIR = resolve(here, '../../.sandbox');
const RUNNER = join(here, 'runner.ts');

export type BundleResult =
  | { ok: true; file: string }
  | { ok: false; reason: 'forbidden-import' | 'compile-error'; message: string };

/** Why a specifier is refused, or undefined when a student file may import it. */
export function forbiddenReason(
  specifier: string,
  resolvedPath: string | undefined,
  submissionDir: string,
): string | undefined {
  if (specifier === '@tensorflow/tfjs') return undefined;
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    if (!resolvedPath) return undefined;
    const rel = relative(submissionDir, resolvedPath);
    if (rel.startsWith('..') || isAbsolute(rel))
      return 'it reaches outside the submission folder (the reference and the grader are off limits)';
    return undefined;
  }
  const bare = specifier.replace(/^node:/, '').split('/')[0] ?? specifier;
  const builtins = new Set(require('node:module').builtinModules as string[]);
  if (builtins.has(bare))
    return `'${bare}' is a Node.js built-in module (processes, files and network are not available to submissions)`;
  return 'submissions may import only @tensorflow/tfjs and their own files';
}

function studentPolicy(submissionDir: string, violations: string[]): esbuild.Plugin {
  return {
    name: 'student-import-policy',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        const fromStudent = args.importer !== '' && !relative(submissionDir, args.importer).startsWith('..');
        if (!fromStudent || args.pluginData === 'policy') return undefined;
        let resolvedPath: string | undefined;
        if (args.path.startsWith('.') || isAbsolute(args.path)) resolvedPath = resolve(args.resolveDir, args.path);
        const why = forbiddenReason(args.path, resolvedPath, submissionDir);
        if (why) {
          violations.push(`${relative(submissionDir, args.importer)}: forbidden import '${args.path}': ${why}`);
          return { path: args.path, external: true };
        }
        if (args.path === '@tensorflow/tfjs') {
          // Resolve from the grader, so a submission outside the workspace still gets the same TF.js.
          return build.resolve(args.path, { kind: args.kind, resolveDir: here, pluginData: 'policy' });
        }
        return undefined;
      });
    },
  };
}

function firstError(errors: esbuild.Message[], submissionDir: string): string {
  const e = errors[0];
  if (!e) return 'compilation failed';
  const at = e.location
    ? `${relative(submissionDir, resolve(e.location.file)) || e.location.file}:${e.location.line}:${e.location.column + 1}: `
    : '';
  return `${at}${e.text}`;
}

/** Bundle `file` (relative to `submissionDir`) with the runner into `outDir`, refusing forbidden imports. */
export async function bundleStudentFile(
  submissionDir: string,
  file: string,
  outDir = SANDBOX_DIR,
): Promise<BundleResult> {
  const dir = resolve(submissionDir);
  const entry = join(dir, file);
  const violations: string[] = [];
  const stdin = [
    `const { serve } = require(${JSON.stringify(RUNNER)});`,
    `serve(() => require(${JSON.stringify(entry)}), ${JSON.stringify([entry])});`,
  ].join('\n');
  let result: esbuild.BuildResult;
  try {
    result = await esbuild.build({
      stdin: { contents: stdin, resolveDir: here, loader: 'js', sourcefile: 'sandbox-entry.js' },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      plugins: [studentPolicy(dir, violations)],
    });
  } catch (err) {
    const errors = (err as { errors?: esbuild.Message[] }).errors ?? [];
    return { ok: false, reason: 'compile-error', message: firstError(errors, dir) };
  }
  if (violations.length > 0) return { ok: false, reason: 'forbidden-import', message: violations[0] ?? '' };
  const code = result.outputFiles?.[0]?.text ?? '';
  mkdirSync(outDir, { recursive: true });
  const out = join(
    outDir,
    `${file.replace(/\W/g, '_')}-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.cjs`,
  );
  writeFileSync(out, code);
  return { ok: true, file: out };
}
