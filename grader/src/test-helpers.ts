// Test support: assemble a submission from a fixture folder, filling in the files it does not have from
// the correct scratch solution, so one mistake costs points only where it should.
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../test-submissions');
const STUDENT_FILES = ['bottleneck.ts', 'preact.ts'];

export function fixtureSubmission(name: string, base = 'reference-scratch'): string {
  const dir = mkdtempSync(join(tmpdir(), `grader-${name}-`));
  for (const file of STUDENT_FILES) {
    const own = join(FIXTURES, name, file);
    copyFileSync(existsSync(own) ? own : join(FIXTURES, base, file), join(dir, file));
  }
  return dir;
}

export function fixtureNames(prefix: string): string[] {
  return readdirSync(FIXTURES)
    .filter((d) => d.startsWith(prefix))
    .sort();
}
