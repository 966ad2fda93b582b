// Type-check the student's files in the trusted process with the TypeScript compiler API, so a compile
// error is reported with its file, line and the student's own source line (esbuild alone only strips
// types). The compiler options are the assignment's own tsconfig.json, the one `tsc -p assignments/<name>`
// and `pnpm typecheck` read, so the grader and the student's editor agree on what is an error.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { studentPath, type TypeDiagnostic } from './diagnostic-text.ts';

export { formatDiagnostic, sourceExcerpt, studentPath, type TypeDiagnostic } from './diagnostic-text.ts';

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

const optionsCache = new Map<string, ts.CompilerOptions>();

/**
 * The checking options a student file gets: the assignment's tsconfig.json (extends resolved), with only
 * what the grader must control put on top (no output, TF.js and Node types found from the grader).
 */
export function studentCompilerOptions(tsconfig: string | undefined): ts.CompilerOptions {
  const key = tsconfig ?? '';
  const cached = optionsCache.get(key);
  if (cached) return cached;
  let base: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, strict: true };
  if (tsconfig && existsSync(tsconfig)) {
    const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
    if (read.error) throw new Error(`${tsconfig}: ${ts.flattenDiagnosticMessageText(read.error.messageText, ' ')}`);
    base = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(tsconfig), undefined, tsconfig).options;
  }
  const options: ts.CompilerOptions = {
    ...base,
    noEmit: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: TYPE_ROOTS,
    paths: { '@tensorflow/tfjs': [tfjsTypes()] },
    // Only the submission's files are checked; the assignment's include/rootDir do not apply to them.
    rootDir: undefined,
    configFilePath: undefined,
  };
  optionsCache.set(key, options);
  return options;
}

function declaredNames(statement: ts.Statement): string[] {
  if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement))
    return statement.name ? [statement.name.text] : [];
  if (ts.isVariableStatement(statement))
    return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  return [];
}

const isExported = (statement: ts.Statement) =>
  ts.canHaveModifiers(statement) &&
  (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function identifiersIn(node: ts.Node, into: Set<string>): Set<string> {
  if (ts.isIdentifier(node)) into.add(node.text);
  ts.forEachChild(node, (child) => {
    identifiersIn(child, into);
  });
  return into;
}

/**
 * Which exported functions own a position: the exported declaration it sits in, or, inside a private
 * helper, every exported declaration that reaches that helper through private helpers. A type error in
 * `bottleneck` then blocks `bottleneck`'s checks only, while `bottleneckResnet` (which merely calls it and
 * still runs) is graded.
 */
function ownersOf(source: ts.SourceFile, position: number): string[] | undefined {
  const statement = source.statements.find((s) => s.getStart(source) <= position && position < s.end);
  const names = statement ? declaredNames(statement) : [];
  if (!statement || names.length === 0) return undefined;
  if (isExported(statement)) return names;
  const decls = source.statements.filter((s) => declaredNames(s).length > 0);
  const privateNames = new Set(decls.filter((s) => !isExported(s)).flatMap(declaredNames));
  const uses = new Map(decls.map((s) => [s, identifiersIn(s, new Set())]));
  const owners: string[] = [];
  for (const exported of decls.filter(isExported)) {
    const seen = new Set<string>();
    const queue = [...(uses.get(exported) ?? [])].filter((n) => privateNames.has(n));
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const decl = decls.find((s) => declaredNames(s).includes(name));
      for (const n of decl ? (uses.get(decl) ?? []) : []) if (privateNames.has(n) && !seen.has(n)) queue.push(n);
    }
    if (names.some((n) => seen.has(n))) owners.push(...declaredNames(exported));
  }
  return owners.length > 0 ? owners : undefined;
}

/**
 * The type errors of each of `files` (relative to `submissionDir`), each once (the same error at the same
 * place is one error however the compiler reaches it), in source order.
 */
export function typeDiagnostics(
  submissionDir: string,
  files: readonly string[],
  opts: { tsconfig?: string } = {},
): Map<string, TypeDiagnostic[]> {
  const dir = resolve(submissionDir);
  const roots = files.map((f) => join(dir, f));
  const options = studentCompilerOptions(opts.tsconfig);
  const program = ts.createProgram(roots, options, cachingHost(options, dir));
  const result = new Map<string, TypeDiagnostic[]>();
  for (const [i, root] of roots.entries()) {
    const source = program.getSourceFile(root);
    if (!source) continue;
    const seen = new Set<string>();
    const list: TypeDiagnostic[] = [];
    const all = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
      .filter((d) => d.category === ts.DiagnosticCategory.Error)
      .sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
    for (const d of all) {
      const file = d.file ?? source;
      const at = file.getLineAndCharacterOfPosition(d.start ?? 0);
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s+/g, ' ').slice(0, 300);
      const key = `${file.fileName}:${d.start}:${d.code}:${text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const lineStart = file.getPositionOfLineAndCharacter(at.line, 0);
      const lineEnd = file.getLineEndOfPosition(d.start ?? 0);
      list.push({
        file: studentPath(dir, file.fileName),
        line: at.line + 1,
        column: at.character + 1,
        code: d.code,
        text,
        source: file.text.slice(lineStart, lineEnd).trimEnd(),
        functions: file === source ? ownersOf(source, d.start ?? 0) : undefined,
      });
    }
    if (list.length > 0) result.set(files[i] ?? root, list);
  }
  return result;
}

/**
 * The name of a file's default export ('' for an anonymous one), or undefined when it has none: the grader
 * calls named exports, and `export default function bottleneck` is the slip this names.
 */
export function defaultExportOf(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  for (const statement of source.statements) {
    if (ts.isExportAssignment(statement) && !statement.isExportEquals)
      return ts.isIdentifier(statement.expression) ? statement.expression.text : '';
    const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword))
      return (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name
        ? statement.name.text
        : '';
  }
  return undefined;
}
