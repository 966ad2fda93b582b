// The release's own proof: no line of a solution region, and no hidden check, in what it wrote.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRegions } from '../stubs.ts';

/** Short lines (`});`, `return y;`) prove nothing; anything this long with a word in it does. */
const MIN_LENGTH = 12;

/**
 * Lines inside solution regions that appear nowhere outside them in the released files: the lines
 * that are the solution (the others, such as a shared `const bias = …`, are ordinary chapter code).
 * Files that are not released (solutions, fixtures) cannot make a line ordinary.
 */
export function secretLines(
  files: ReadonlyArray<{ path: string; text: string }>,
  released: (path: string) => boolean = () => true,
): Set<string> {
  const inside = new Set<string>();
  const outside = new Set<string>();
  for (const { path, text } of files) {
    const lines = text.split('\n').map((l) => l.trim());
    const secret = new Set<number>();
    for (const r of findRegions(text, path)) for (let i = r.begin + 1; i < r.end; i++) secret.add(i);
    lines.forEach((line, i) => {
      if (secret.has(i)) inside.add(line);
      else if (released(path)) outside.add(line);
    });
  }
  return new Set([...inside].filter((l) => !outside.has(l) && l.length >= MIN_LENGTH && /[A-Za-z]{2}/.test(l)));
}

export interface Leak {
  path: string;
  line: number;
  text: string;
}

/** Every line of the released files that is a secret line. */
export function findLeaks(outDir: string, paths: readonly string[], secrets: ReadonlySet<string>): Leak[] {
  const leaks: Leak[] = [];
  for (const path of paths) {
    const text = readFileSync(join(outDir, path), 'utf8');
    text.split('\n').forEach((l, i) => {
      if (secrets.has(l.trim())) leaks.push({ path, line: i + 1, text: l.trim() });
    });
  }
  return leaks;
}

/** Ids of the hidden checks, which must not be named anywhere in the release. */
export function hiddenCheckIds(hiddenManifest: string | undefined): string[] {
  if (hiddenManifest === undefined) return [];
  const parsed = JSON.parse(hiddenManifest) as { checks?: Array<{ id?: unknown }> };
  return (parsed.checks ?? []).map((c) => c.id).filter((id): id is string => typeof id === 'string');
}
