import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx, readIdx } from './idx.ts';

const dir = mkdtempSync(join(tmpdir(), 'd2l-idx-'));
const images = { shape: [3, 2, 2], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) };
const bytes = encodeIdx(images);

function file(name: string, content: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('readIdx', () => {
  it('reads raw and gzipped files with the same result', () => {
    const raw = readIdx(file('good-raw', bytes));
    const gz = readIdx(file('good.gz', gzipSync(bytes)));
    expect(raw.shape).toEqual([3, 2, 2]);
    expect(Array.from(raw.data)).toEqual(Array.from(images.data));
    expect(gz).toEqual(raw);
  });

  it('names the file and the sizes when the data is truncated', () => {
    const path = file('short', bytes.subarray(0, bytes.length - 5));
    expect(() => readIdx(path)).toThrow(/short: truncated: header says 3×2×2 but only 23 of 28 bytes/);
  });

  it('rejects a truncated gzip stream', () => {
    const gz = gzipSync(bytes);
    const path = file('cut.gz', gz.subarray(0, gz.length - 10));
    expect(() => readIdx(path)).toThrow(/cut\.gz: corrupt or truncated gzip data/);
  });

  it('rejects a wrong magic number', () => {
    const bad = Uint8Array.from(bytes);
    bad[0] = 0x50;
    expect(() => readIdx(file('magic', bad))).toThrow(/magic: wrong magic number 50 00 08 03/);
  });

  it('rejects trailing bytes, truncated headers and unsupported types', () => {
    expect(() => parseIdx(Uint8Array.from([...bytes, 1]), 'x')).toThrow(/1 unexpected trailing bytes/);
    expect(() => parseIdx(bytes.subarray(0, 10), 'x')).toThrow(/truncated header \(10 of 16 bytes\)/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'x')).toThrow(/float is not supported/);
  });

  it('says what to do when the file is missing', () => {
    expect(() => readIdx(join(dir, 'nope'))).toThrow(/cannot read .*nope \(ENOENT\)/);
  });
});
