// Splitting a class across machines: a student's shard depends only on the folder name, so every machine of
// a CI matrix agrees on it without talking to the others, and the union of all shards is the whole class.
import { createHash } from 'node:crypto';

/** Shard `index` of `count`, counted from 1 like GitLab's CI_NODE_INDEX (and a matrix of [1..N]). */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new Error(`--shard '${text}' is not I/N with 1 ≤ I ≤ N: write e.g. --shard 1/4 … --shard 4/4`);
  }
  return { index, count };
}

export function shardOf(student: string, count: number): number {
  const digest = createHash('sha256').update(student).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export function inShard(student: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(student, shard.count) === shard.index;
}
