// Regenerates packages/d2l/data/fashion-mnist-subset byte for byte from the full Fashion-MNIST files:
// the first 200 training and first 50 test images of each class, in file order.
// Usage: npx tsx packages/d2l/scripts/make-subset.ts [DIR]   (DIR defaults to the Debian folder)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EMBEDDED_DIR, EMBEDDED_SIZES, type ImageSet, readImageSet, selectImages } from '../src/fashion-mnist.ts';
import { DEBIAN_DIR, FILE_NAMES, findFile } from '../src/fashion-mnist-files.ts';
import { encodeIdx } from '../src/idx.ts';

const NUM_CLASSES = 10;

function firstPerClass(set: ImageSet, perClass: number): Int32Array {
  const taken = new Array<number>(NUM_CLASSES).fill(0);
  const picked: number[] = [];
  set.labels.forEach((label, i) => {
    if (taken[label]! < perClass) {
      taken[label]!++;
      picked.push(i);
    }
  });
  return Int32Array.from(picked);
}

function write(name: string, shape: number[], data: Uint8Array): void {
  // Level 9 and no mtime (Node writes 0) keep the output identical from run to run.
  const bytes = gzipSync(encodeIdx({ shape, data }), { level: 9 });
  writeFileSync(join(EMBEDDED_DIR, `${name}.gz`), bytes);
  console.log(`${name}.gz  ${shape.join('×')}  ${bytes.length} bytes`);
}

const dir = process.argv[2] ?? DEBIAN_DIR;
const path = (k: keyof typeof FILE_NAMES) => {
  const found = findFile(dir, k);
  if (!found) {
    console.error(`no ${FILE_NAMES[k]}(.gz) in ${dir}; pass the folder holding the full Fashion-MNIST files`);
    process.exit(1);
  }
  return found;
};
mkdirSync(EMBEDDED_DIR, { recursive: true });
for (const [split, perClass] of [
  ['train', EMBEDDED_SIZES.train / NUM_CLASSES],
  ['test', EMBEDDED_SIZES.test / NUM_CLASSES],
] as const) {
  const full = readImageSet(path(`${split}Images`), path(`${split}Labels`));
  const sub = selectImages(full, firstPerClass(full, perClass));
  write(FILE_NAMES[`${split}Images`], [sub.count, sub.height, sub.width], sub.images);
  write(FILE_NAMES[`${split}Labels`], [sub.count], sub.labels);
}
