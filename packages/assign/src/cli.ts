// `pnpm assign [NAME...] [--check]`: the authoring step. From an assignment folder and its reference
// solution (instructor/solution), write the student stubs (src/), the handout (README.md), the student
// CI files (ci/) and the expected data (checks/expected.json, instructor/expected.json). `--check` writes nothing and exits 1
// when a committed file is stale. `--release DIR [--verify]` then writes the student release.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { AssignmentError, listAssignments, loadAssignment, REPO_ROOT } from '@course/core';
import * as tf from '@tensorflow/tfjs';
import { expectedCiFiles } from './ci.ts';
import { expectedFiles } from './expected.ts';
import { expectedHandout, handoutPath } from './handout.ts';
import { expectedStubs } from './stubs.ts';

export const USAGE = `usage: pnpm assign [NAME...] [--check] [--release DIR [--verify]] [--measure-training]
  NAME        an assignment (a folder of assignments/); default: every one
  --check     write nothing; exit 1 when a stub, handout or expected file is stale
  --measure-training   train the reference (seeds 0, 1, 2) and set each training check's threshold
  --release   after writing, make the student release in DIR (see docs/instructor/release.md)`;

export interface Output {
  path: string;
  text: string;
}

/** Everything the authoring step writes for one assignment, as it should be now. */
export async function authoredFiles(name: string): Promise<Output[]> {
  const assignment = loadAssignment(name);
  const stubs = expectedStubs(assignment).map((s) => ({ path: s.stubPath, text: s.stub }));
  const handout = { path: handoutPath(assignment), text: expectedHandout(assignment) };
  const expected = (await expectedFiles(assignment)).map((e) => ({ path: e.file, text: e.text }));
  return [...stubs, handout, ...expectedCiFiles(assignment), ...expected];
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      check: { type: 'boolean', default: false },
      release: { type: 'string' },
      verify: { type: 'boolean', default: false },
      'measure-training': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const names = positionals.length ? positionals : listAssignments();
  if (values['measure-training']) {
    const { measureTraining } = await import('./training.ts');
    for (const name of names) await measureTraining(loadAssignment(name));
    return 0;
  }
  await tf.setBackend('cpu');
  let stale = 0;
  for (const name of names) {
    for (const { path, text } of await authoredFiles(name)) {
      const shown = relative(REPO_ROOT, path);
      const same = existsSync(path) && readFileSync(path, 'utf8') === text;
      if (same) continue;
      stale++;
      if (values.check) console.error(`${shown} is stale: run npx pnpm@10 assign ${name}`);
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
        console.log(`wrote ${shown}`);
      }
    }
  }
  if (values.check) {
    if (stale === 0) console.log(`${names.join(', ')}: stubs, handout and expected data are up to date`);
    return stale ? 1 : 0;
  }
  if (values.release) {
    // The release tool works on the whole repository (every assignment), so it runs as its own command.
    const args = [
      'tsx',
      'packages/assign/src/release/release.ts',
      '--out',
      values.release,
      ...(values.verify ? ['--verify'] : []),
    ];
    const r = spawnSync('npx', args, { cwd: REPO_ROOT, stdio: 'inherit' });
    return r.status ?? 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`assign: ${message.split('\n')[0]}`);
      process.exitCode = err instanceof AssignmentError ? 2 : 1;
    },
  );
}
