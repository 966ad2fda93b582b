// Type-check the student's files in the trusted process with the TypeScript compiler API, so a compile
// error is reported with its file and line (esbuild alone only strips types).
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const TYPE_ROOTS = [resolve(here, '../../../node_modules/@types'), resolve(here, '../../node_modules/@types')];

/** Parsed library declarations (lib.*.d.ts, TF.js, Node) are shared by every grading in this process. */
const libraryFiles = new Map<string, ts.SourceFile>();

function cachingHost(options: ts.CompilerOptions, submissionDir: string): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.endsWith('.d.ts') || fileName.startsWith(submissionDir))
      return read(fileName, languageVersion, onError, shouldCreate);
    let file = libraryFiles.get(fileName);
    if (!file) {
      file = read(fileName, languageVersion, onError, shouldCreate);
      if (file) libraryFiles.set(fileName, file);
    }
    return file;
  };
  return host;
}

function tfjsTypes(): string {
  const dir = dirname(realpathSync(require.resolve('@tensorflow/tfjs/package.json')));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { types?: string; typings?: string };
  return join(dir, pkg.types ?? pkg.typings ?? 'dist/index.d.ts');
}

/**
 * The first type error in each of `files` (relative to `submissionDir`), as `file:line:col: message`.
 * Lenient options (no strict mode): only errors that make the code wrong, not style, fail a file.
 */
export function typeErrors(submissionDir: string, files: readonly string[]): Map<string, string> {
  const dir = resolve(submissionDir);
  const roots = files.map((f) => join(dir, f));
  const options: ts.CompilerOptions = {
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    strict: false,
    types: ['node'],
    typeRoots: TYPE_ROOTS,
    lib: ['lib.es2022.d.ts'],
    paths: { '@tensorflow/tfjs': [tfjsTypes()] },
  };
  const program = ts.createProgram(roots, options, cachingHost(options, dir));
  const errors = new Map<string, string>();
  for (const [i, root] of roots.entries()) {
    const source = program.getSourceFile(root);
    if (!source) continue;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].filter(
      (d) => d.category === ts.DiagnosticCategory.Error,
    );
    const d = diagnostics[0];
    if (!d) continue;
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 300);
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const where = d.file ? relative(dir, d.file.fileName) : (files[i] ?? '');
    const more = diagnostics.length > 1 ? ` (+${diagnostics.length - 1} more)` : '';
    errors.set(
      files[i] ?? root,
      `${where}${at ? `:${at.line + 1}:${at.character + 1}` : ''}: error TS${d.code}: ${text}${more}`,
    );
  }
  return errors;
}
