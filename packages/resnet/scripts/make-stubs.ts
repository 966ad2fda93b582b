// Writes the student stubs (assignments/resnet/src) from the reference solutions.
// `--check` writes nothing and exits 1 when a committed stub is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { expectedStubs } from '../src/stubs.ts';

const check = process.argv.includes('--check');
let stale = 0;
for (const { stubPath, stub } of expectedStubs()) {
  const shown = relative(process.cwd(), stubPath);
  let current: string | undefined;
  try {
    current = readFileSync(stubPath, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === stub) continue;
  stale++;
  if (check) console.error(`${shown} is stale; run: npx tsx packages/resnet/scripts/make-stubs.ts`);
  else {
    writeFileSync(stubPath, stub);
    console.log(`wrote ${shown}`);
  }
}
if (check && stale > 0) process.exit(1);
if (stale === 0) console.log('stubs are up to date');
