// Regenerates packages/d2l/data/fashion-mnist-subset byte for byte from the full Fashion-MNIST files
// (see src/fashion-mnist-subset.ts for how the sample is cut).
// Usage: npx tsx packages/d2l/scripts/make-subset.ts [DIR]   (DIR defaults to the Debian folder)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_DIR } from '../src/fashion-mnist.ts';
import { DEBIAN_DIR, findLocalFiles } from '../src/fashion-mnist-files.ts';
import { buildSubset } from '../src/fashion-mnist-subset.ts';

const dir = process.argv[2] ?? DEBIAN_DIR;
const found = findLocalFiles(undefined, [dir]);
if (!found) {
  console.error(`the four Fashion-MNIST files are not all in ${dir}; pass the folder that holds them`);
  process.exit(1);
}
mkdirSync(EMBEDDED_DIR, { recursive: true });
for (const [name, bytes] of buildSubset(found.files)) {
  writeFileSync(join(EMBEDDED_DIR, name), bytes);
  console.log(`${name}  ${bytes.length} bytes`);
}
