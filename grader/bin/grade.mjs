#!/usr/bin/env node
// `pnpm grade` and `pnpm grader` run this bin rather than a package.json script: for a script, pnpm first
// prints its "> package@ script" banner on stdout, so `pnpm grade --format json | jq` would not read JSON.
// pnpm runs a workspace bin like `pnpm exec`, with nothing of its own on stdout.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli.ts');
await run(process.argv.slice(2));
