import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_DIR } from './fashion-mnist.ts';
import { DEBIAN_DIR, findLocalFiles } from './fashion-mnist-files.ts';
import { buildSubset, firstPerClass } from './fashion-mnist-subset.ts';

describe('embedded subset generator', () => {
  it('takes the first n of each class in file order', () => {
    expect(Array.from(firstPerClass(Uint8Array.from([3, 3, 1, 3, 1, 1, 0]), 2))).toEqual([0, 1, 2, 4, 6]);
  });

  const debian = findLocalFiles(undefined, [DEBIAN_DIR]);
  it.skipIf(!debian)('regenerates the committed files byte for byte from the Debian files', () => {
    const built = buildSubset(debian!.files);
    expect(built.size).toBe(4);
    for (const [name, bytes] of built) {
      expect(Buffer.compare(Buffer.from(bytes), readFileSync(join(EMBEDDED_DIR, name))), name).toBe(0);
    }
  });
});
