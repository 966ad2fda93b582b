// Seeded randomness for data order and sampling: the same seed gives the same epochs on every machine.

/** mulberry32: a tiny 32-bit generator, plenty for shuffling (not for cryptography). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates in place. */
export function shuffleInPlace<T>(items: T[] | Int32Array, seed: number): void {
  const rand = mulberry32(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
}

/** 0..n-1 in a seeded random order. */
export function permutation(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, seed);
  return order;
}

/**
 * Indices of a class-balanced sample: `total` split as evenly as the classes allow (lower class ids
 * take the remainder), chosen at random per class under `seed`, returned in file order.
 */
export function stratifiedSample(labels: Uint8Array, numClasses: number, total: number, seed: number): Int32Array {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((label, i) => {
    byClass[label]?.push(i);
  });
  const picked: number[] = [];
  byClass.forEach((indices, c) => {
    const want = Math.floor(total / numClasses) + (c < total % numClasses ? 1 : 0);
    if (want > indices.length) {
      throw new Error(
        `asked for ${want} images of class ${c} but only ${indices.length} exist; ask for a smaller subset`,
      );
    }
    shuffleInPlace(indices, seed + c);
    picked.push(...indices.slice(0, want));
  });
  return Int32Array.from(picked.sort((a, b) => a - b));
}
