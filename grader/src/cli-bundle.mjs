// The grader CLI as one esbuild bundle, so that `pnpm grade` starts without compiling TypeScript (tsx)
// and without Node's ESM loader scanning TF.js's CommonJS files for their exports (measured: ~1 s of
// a start). Built by the package's install step and again by the bin whenever a source changed; a
// bundle runs only while every file it was built from is byte for byte what it was (content hashes),
// otherwise the bin rebuilds it or falls back to tsx. Plain JavaScript: it runs before anything else.
//
// What the bundle holds: the workspace's own TypeScript (grader, @course/* packages). Every package
// from node_modules stays outside it, at the exact file esbuild resolved from the importing source
// (pnpm gives each package its own dependencies, so a bare name would not resolve from grader/dist):
// CommonJS packages through `require` (no export scan), ES modules through `import`. Each dynamic
// `import()` of the sources becomes its own chunk, loaded when it runs (reporters, batch, review).
// Sources keep their own `import.meta.url`, so files found next to them are found as before.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const GRADER = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(GRADER, '..');
const ENTRY = join(GRADER, 'src/cli.ts');
/** Where bundles are written: dist/<build>/cli.mjs and chunks, and dist/current.json naming the fresh one. */
export const DIST = join(GRADER, 'dist');
const FORMAT = 1;

const sha = (data) => createHash('sha1').update(data).digest('hex');
const builtins = new Set(builtinModules);
const inWorkspace = (path) => path.startsWith(`${ROOT}/`) && !path.includes('/node_modules/');
/**
 * Packages compiled into the bundle rather than loaded from node_modules: pure JavaScript that only the
 * grader's own code uses (no other package shares its objects). zod's CommonJS build is 95 files to read.
 */
const INLINE = new Set(['zod']);
const packageName = (spec) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** Whether Node loads a file as CommonJS: .cjs, or .js under a package.json without "type": "module". */
function isCommonJs(file) {
  const ext = extname(file);
  if (ext === '.cjs') return true;
  if (ext !== '.js') return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    try {
      return JSON.parse(readFileSync(pkg, 'utf8')).type !== 'module';
    } catch {
      return true;
    }
  }
  return true;
}

/** esbuild plugin: sources in, node_modules out (required or imported at their resolved files). */
function workspacePlugin(externals) {
  return {
    name: 'grader-workspace',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.inner) return undefined;
        if (args.path.startsWith('node:') || builtins.has(args.path.split('/')[0])) return { external: true };
        const again = (kind) =>
          build.resolve(args.path, {
            kind,
            resolveDir: args.resolveDir,
            importer: args.importer,
            pluginData: { inner: true },
          });
        const got = await again(args.kind);
        if (got.errors.length > 0) return { errors: got.errors };
        if (inWorkspace(got.path) || INLINE.has(packageName(args.path))) return { path: got.path };
        // The file Node's `require` would load, when the package has one that is CommonJS.
        const cjs = await again('require-call');
        if (cjs.errors.length === 0 && isCommonJs(cjs.path)) {
          externals.add(cjs.path);
          return { path: cjs.path, namespace: 'required' };
        }
        externals.add(got.path);
        return { path: pathToFileURL(got.path).href, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({
        contents: `module.exports = __graderRequire(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      build.onLoad({ filter: /\.[cm]?tsx?$/ }, (args) => {
        if (!inWorkspace(args.path)) return undefined;
        const contents = readFileSync(args.path, 'utf8')
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path));
        return { contents, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** What a bundle was built from: each source's content hash, each outside file's size and time. */
function stampOf(inputs, externals) {
  return {
    format: FORMAT,
    bundler: sha(readFileSync(fileURLToPath(import.meta.url))),
    // Absolute: the sources' own paths are in the bundle (import.meta.url), so a moved copy is stale too.
    sources: inputs.map((file) => [file, sha(readFileSync(file))]),
    externals: [...externals].sort().map((file) => {
      const st = statSync(file);
      return [file, st.size, st.mtimeMs];
    }),
  };
}

/** The fresh bundle's entry file, or undefined when there is none or any input changed since it was built. */
export function freshBundle(dist = DIST) {
  let current;
  try {
    current = JSON.parse(readFileSync(join(dist, 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
  try {
    const { stamp } = current;
    if (stamp?.format !== FORMAT || stamp.bundler !== sha(readFileSync(fileURLToPath(import.meta.url))))
      return undefined;
    for (const [file, hash] of stamp.sources) if (sha(readFileSync(file)) !== hash) return undefined;
    for (const [file, size, mtime] of stamp.externals) {
      const st = statSync(file);
      if (st.size !== size || st.mtimeMs !== mtime) return undefined;
    }
    const entry = join(dist, current.dir, 'cli.mjs');
    return existsSync(entry) ? entry : undefined;
  } catch {
    return undefined; // a source was removed, or the bundle is half gone
  }
}

/**
 * Bundle the CLI into a new dist/<build>/ and make it current (an atomic rename of current.json, so
 * graders starting meanwhile see the old bundle or the new one, never half of one). Older builds go
 * after a day: a grader still running from one may load its lazy chunks later. Returns the entry file.
 */
export async function buildBundle(dist = DIST) {
  const require = createRequire(join(GRADER, 'package.json'));
  const esbuild = await import(pathToFileURL(require.resolve('esbuild')).href);
  const externals = new Set();
  const id = `build-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const outdir = join(dist, id);
  mkdirSync(dist, { recursive: true });
  const result = await esbuild.build({
    // The type checker's thread (grader/src/sandbox/type-check.ts) starts its own entry, next to the CLI's.
    entryPoints: { cli: ENTRY, 'diagnostics-worker': join(GRADER, 'src/sandbox/diagnostics-worker.ts') },
    outdir,
    absWorkingDir: ROOT, // the metafile's paths are relative to it (the install step runs in grader/)
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
    banner: {
      js: [
        "import { createRequire as __graderCreateRequire } from 'node:module';",
        'const __graderRequire = __graderCreateRequire(import.meta.url);',
        // Where the bundle's files are, for code that starts one of its entries (type-check.ts).
        "globalThis.__GRADER_BUNDLE__ ??= new URL('.', import.meta.url).href;",
      ].join('\n'),
    },
    plugins: [workspacePlugin(externals)],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes(':'))
    .map((p) => resolve(ROOT, p))
    .filter(inWorkspace);
  // The package manifests decide how the sources' imports resolve.
  const manifests = new Set();
  for (const file of inputs) {
    for (let dir = dirname(file); dir.startsWith(ROOT) && dir !== ROOT; dir = dirname(dir)) {
      if (existsSync(join(dir, 'package.json'))) {
        manifests.add(join(dir, 'package.json'));
        break;
      }
    }
  }
  const stamp = stampOf([...new Set([...inputs, ...manifests])].sort(), externals);
  const current = join(dist, 'current.json');
  const tmp = `${current}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ dir: id, builtAt: new Date().toISOString(), stamp }, null, 1)}\n`);
  renameSync(tmp, current);
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(dist)) {
    const path = join(dist, name);
    if (name.startsWith('build-') && name !== id && statSync(path).mtimeMs < dayAgo)
      rmSync(path, { recursive: true, force: true });
  }
  return join(outdir, 'cli.mjs');
}

/** The bundle to run: the fresh one, else a new one; undefined when none can be built here. */
export async function ensureBundle(dist = DIST) {
  const fresh = freshBundle(dist);
  if (fresh) return fresh;
  try {
    return await buildBundle(dist);
  } catch {
    return undefined; // read-only checkout, no esbuild: the caller runs the sources through tsx
  }
}

// The install step (`pnpm install` runs it for this workspace package): build, and never fail the install.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const entry = freshBundle() ?? (await buildBundle());
    process.stdout.write(`@course/grader: CLI bundle ${relative(ROOT, entry)}\n`);
  } catch (err) {
    const line = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    process.stdout.write(
      `@course/grader: no CLI bundle yet (${line}); pnpm grade builds one when it starts, else runs the sources through tsx\n`,
    );
  }
}
