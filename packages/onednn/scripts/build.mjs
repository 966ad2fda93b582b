// Install step of @course/onednn: build the Node-API addon over oneDNN when the library and a C++
// compiler are here. The addon is optional, as tfjs-node is: when either is missing (or the build
// fails) this prints why, writes the reason to build-status.txt for `pnpm backends`, and exits 0 so
// `pnpm install` still succeeds and training runs on wasm. D2L_ONEDNN=0 skips the build.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STATUS = join(ROOT, 'build-status.txt');
// Short enough that `pnpm backends` shows it whole on its one line.
const HOW = 'apt-get install libdnnl-dev g++ (Homebrew, conda: onednn), then `npx pnpm@10 rebuild @course/onednn`';

function skip(reason) {
  const line = `${reason}; ${HOW}`;
  writeFileSync(STATUS, `${line}\n`);
  process.stdout.write(`@course/onednn: native kernels not built: ${line}\n`);
  process.exit(0);
}

function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

function compiler() {
  const cxx = process.env.CXX?.split(' ')[0];
  if (cxx) return existsSync(cxx) || onPath(cxx) ? cxx : undefined;
  return ['c++', 'g++', 'clang++'].find(onPath);
}

/** Include and library directories of oneDNN: pkg-config first, then the usual prefixes. */
function findOnednn() {
  const pc = spawnSync('pkg-config', ['--variable=prefix', 'dnnl'], { encoding: 'utf8' });
  const prefixes = [
    process.env.DNNL_ROOT,
    pc.status === 0 ? pc.stdout.trim() : undefined,
    process.env.CONDA_PREFIX,
    '/usr',
    '/usr/local',
    '/opt/homebrew',
    '/opt/homebrew/opt/onednn',
    '/usr/local/opt/onednn',
  ].filter(Boolean);
  for (const prefix of prefixes) {
    const include = join(prefix, 'include');
    if (!existsSync(join(include, 'oneapi/dnnl/dnnl.hpp'))) continue;
    const libDirs = [
      join(prefix, 'lib'),
      join(prefix, 'lib64'),
      join(prefix, 'lib/x86_64-linux-gnu'),
      join(prefix, 'lib/aarch64-linux-gnu'),
    ];
    const lib = libDirs.find((d) => existsSync(d) && readdirSync(d).some((f) => /^libdnnl\.(so|dylib)$/.test(f)));
    if (lib) return { include, lib };
  }
  return undefined;
}

/** node-gyp: the one the package manager runs scripts with, else npm's own, else one on PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ].filter(Boolean);
  const script = candidates.find((c) => existsSync(c));
  if (script) return [process.execPath, [script]];
  return onPath('node-gyp') ? ['node-gyp', []] : undefined;
}

if (process.env.D2L_ONEDNN === '0') skip('D2L_ONEDNN=0 was set at install');
const cxx = compiler();
if (!cxx) skip('no C++ compiler (c++, g++, clang++ or $CXX)');
const dnnl = findOnednn();
if (!dnnl) skip('oneDNN (libdnnl) not found');
let addonInclude;
try {
  addonInclude = createRequire(join(ROOT, 'package.json'))('node-addon-api').include_dir;
} catch {
  skip('node-addon-api is not installed (run `npx pnpm@10 install`)');
}
// The addon is built where it runs: let the compiler use this CPU's vector units for the plain loops
// (element-wise passes, sums, the pooling gradient), when it accepts -march=native.
const probe = spawnSync(cxx, ['-march=native', '-x', 'c++', '-fsyntax-only', '-'], {
  input: 'int main(){}',
  encoding: 'utf8',
});
const archFlags = probe.status === 0 ? '-march=native' : '';
// Every `pnpm install` in the workspace reruns this step; rebuilding an addon that is up to date
// would take it away from running processes for the build's duration, so a stamp of what it was
// built from (sources, Node ABI, library) lets the step keep it.
const STAMP = join(ROOT, 'build/stamp.txt');
const stamp = createHash('sha256')
  .update(readFileSync(join(ROOT, 'src/addon.cc')))
  .update(readFileSync(join(ROOT, 'binding.gyp')))
  .update(`${process.versions.modules} ${process.arch} ${dnnl.include} ${dnnl.lib} ${cxx} ${archFlags}`)
  .digest('hex');
if (existsSync(join(ROOT, 'build/Release/onednn.node')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp) {
  rmSync(STATUS, { force: true });
  process.stdout.write('@course/onednn: addon up to date\n');
  process.exit(0);
}
const gyp = nodeGyp();
if (!gyp) skip('node-gyp not found');
// Build against the running Node's own headers when they are installed (no download, works offline).
const headers = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(headers, 'include/node/node_api.h')) ? [`--nodedir=${headers}`] : [];
const [cmd, pre] = gyp;
const run = spawnSync(cmd, [...pre, 'rebuild', ...nodedir], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  env: {
    ...process.env,
    ONEDNN_ARCH_FLAGS: archFlags,
    ONEDNN_INCLUDE: dnnl.include,
    ONEDNN_LIB: dnnl.lib,
    ADDON_INCLUDE: addonInclude,
  },
});
if (run.status !== 0) {
  const log = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  const err = log.split('\n').find((l) => /error/i.test(l)) ?? run.error?.message ?? `exit ${run.status}`;
  process.stdout.write(log.slice(-4000));
  rmSync(join(ROOT, 'build'), { recursive: true, force: true });
  skip(`the addon build failed (${err.trim().slice(0, 160)})`);
}
rmSync(STATUS, { force: true });
writeFileSync(STAMP, stamp);
process.stdout.write(`@course/onednn: built against oneDNN in ${dnnl.include}\n`);
