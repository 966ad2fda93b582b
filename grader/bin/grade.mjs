#!/usr/bin/env node
// `pnpm grade` and `pnpm grader` run this bin rather than a package.json script: for a script, pnpm first
// prints its "> package@ script" banner on stdout, so `pnpm grade --format json | jq` would not read JSON.
// pnpm runs a workspace bin like `pnpm exec`, with nothing of its own on stdout.
//
// It runs the CLI bundle (src/cli-bundle.mjs) when that was built from exactly the sources here, rebuilding
// it first when a source changed; only when no bundle can be built (a read-only copy, no esbuild) does
// it compile the sources at start with tsx, as before.
import { ensureBundle } from '../src/cli-bundle.mjs';

const entry = process.env.D2L_GRADER_TSX === '1' ? undefined : await ensureBundle();
let run;
if (entry) {
  ({ run } = await import(entry));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ run } = await import('../src/cli.ts'));
}
await run(process.argv.slice(2));
