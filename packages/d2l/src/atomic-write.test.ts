import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.ts';

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const file = join(dir, 'sub', 'grades.json');
    writeFileAtomic(file, 'old');
    writeFileAtomic(file, new Uint8Array(Buffer.from('x'.repeat(200_000))));
    expect(readFileSync(file, 'utf8')).toBe('x'.repeat(200_000));
    expect(readdirSync(join(dir, 'sub'))).toEqual(['grades.json']);
  });

  it('keeps the old file when the write fails, and cleans up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const file = join(dir, 'grades.json');
    writeFileSync(file, 'old');
    // A folder in the file's place makes the rename fail after the temporary file was written.
    expect(() => writeFileAtomic(dir, 'new')).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['grades.json']);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`.${basename(dir)}.`))).toEqual([]);
  });
});
