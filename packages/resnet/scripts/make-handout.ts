// Renders assignments/resnet/README.md from manifest.json and handout/README.md.hbs.
// `--check` writes nothing and exits 1 when the committed README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { expectedHandout, HANDOUT_PATH } from '../src/handout.ts';

const handout = expectedHandout();
let current: string | undefined;
try {
  current = readFileSync(HANDOUT_PATH, 'utf8');
} catch {
  current = undefined;
}
if (current === handout) console.log('handout is up to date');
else if (process.argv.includes('--check')) {
  console.error('assignments/resnet/README.md is stale; run: npx tsx packages/resnet/scripts/make-handout.ts');
  process.exit(1);
} else {
  writeFileSync(HANDOUT_PATH, handout);
  console.log('wrote assignments/resnet/README.md');
}
