// How the embedded subset is cut from the full files: the first 200 training and 50 test images
// of each class, in file order, gzipped at level 9 with no timestamp so the bytes never change.
import { gzipSync } from 'node:zlib';
import { EMBEDDED_SIZES, type ImageSet, readImageSet, selectImages } from './fashion-mnist.ts';
import { FILE_NAMES, type FullFiles } from './fashion-mnist-files.ts';
import { encodeIdx } from './idx.ts';

const NUM_CLASSES = 10;

/** Indices of the first `perClass` examples of each class, in file order. */
export function firstPerClass(labels: Uint8Array, perClass: number): Int32Array {
  const taken = new Array<number>(NUM_CLASSES).fill(0);
  const picked: number[] = [];
  labels.forEach((label, i) => {
    if (taken[label]! < perClass) {
      taken[label]!++;
      picked.push(i);
    }
  });
  return Int32Array.from(picked);
}

/** The four `.gz` files of the subset, by file name, from the full files. */
export function buildSubset(files: FullFiles): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const gz = (shape: number[], data: Uint8Array) => gzipSync(encodeIdx({ shape, data }), { level: 9 });
  for (const split of ['train', 'test'] as const) {
    const full: ImageSet = readImageSet(files[`${split}Images`], files[`${split}Labels`]);
    const sub = selectImages(full, firstPerClass(full.labels, EMBEDDED_SIZES[split] / NUM_CLASSES));
    out.set(`${FILE_NAMES[`${split}Images`]}.gz`, gz([sub.count, sub.height, sub.width], sub.images));
    out.set(`${FILE_NAMES[`${split}Labels`]}.gz`, gz([sub.count], sub.labels));
  }
  return out;
}
