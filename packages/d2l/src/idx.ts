// IDX files (LeCun's MNIST format, also Fashion-MNIST): a 4-byte magic number — two zero bytes, a
// type code, the number of dimensions — then one big-endian uint32 per dimension, then the data.
// Every check names the file, because the usual failure is a half-finished download.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  /** Dimensions from the header, e.g. [60000, 28, 28] for images or [60000] for labels. */
  shape: number[];
  /** The payload; only unsigned bytes (type 0x08) are supported, which covers (Fashion-)MNIST. */
  data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 8: 'ubyte', 9: 'byte', 11: 'short', 12: 'int', 13: 'float', 14: 'double' };

export class IdxFormatError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}; delete it and fetch it again (or point D2L_DATA_DIR at a good copy)`);
    this.name = 'IdxFormatError';
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompress when gzipped (by content, not by name), so `.gz` and raw files both work. */
export function gunzipIfNeeded(bytes: Uint8Array, file = '<buffer>'): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new IdxFormatError(file, `corrupt or truncated gzip data (${why})`);
  }
}

/** Parse IDX bytes (already decompressed). `file` only labels the errors. */
export function parseIdx(bytes: Uint8Array, file = '<buffer>'): IdxArray {
  if (bytes.length < 4) throw new IdxFormatError(file, `only ${bytes.length} bytes, too short for an IDX header`);
  const [z0, z1, type, ndim] = bytes as unknown as [number, number, number, number];
  if (z0 !== 0 || z1 !== 0 || TYPE_NAMES[type] === undefined || ndim < 1) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new IdxFormatError(file, `wrong magic number ${magic} (expected 00 00 08 0N): not an IDX file`);
  }
  if (type !== UBYTE) throw new IdxFormatError(file, `element type ${TYPE_NAMES[type]} is not supported (only ubyte)`);
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes)
    throw new IdxFormatError(file, `truncated header (${bytes.length} of ${headerBytes} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = headerBytes + shape.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) {
    throw new IdxFormatError(
      file,
      `truncated: header says ${shape.join('×')} but only ${bytes.length} of ${expected} bytes are there`,
    );
  }
  if (bytes.length > expected) {
    throw new IdxFormatError(
      file,
      `${bytes.length - expected} unexpected trailing bytes after ${shape.join('×')} values`,
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/** Read an IDX file, gzipped or raw. */
export function readIdx(path: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${path} (${code ?? String(err)}); check the path or set D2L_DATA_DIR`);
  }
  return parseIdx(gunzipIfNeeded(raw, path), path);
}

/** Serialize a ubyte IDX array (used to write the embedded subset and test files). */
export function encodeIdx({ shape, data }: IdxArray): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(`encodeIdx: shape ${shape.join('×')} needs ${count} values, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = shape.length;
  shape.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, 4 + 4 * shape.length);
  return out;
}
