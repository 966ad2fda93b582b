import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataFashionMnist } from './fashion-mnist.ts';
import { DEBIAN_DIR, downloadFashionMnist, FILE_NAMES, type SplitFile } from './fashion-mnist-files.ts';
import { encodeIdx, readIdx } from './idx.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function perClass(labels: Iterable<number>): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]!++;
  return counts;
}

async function collectLabels(iter: { batches(): Generator<{ x: tf.Tensor; y: tf.Tensor }> }): Promise<number[]> {
  const out: number[] = [];
  for (const { x, y } of iter.batches()) {
    out.push(...(await y.data()));
    tf.dispose([x, y]);
  }
  return out;
}

describe('embedded subset', () => {
  it('holds 2,000 / 500 images, 200 / 50 per class, as NHWC float32 in [0, 1] with int32 labels', async () => {
    const data = await loadDataFashionMnist({ batchSize: 512, subset: 'embedded' });
    expect(data.source).toBe('embedded subset (2000/500)');
    expect(data.classNames).toHaveLength(10);
    expect(data.classNames[9]).toBe('ankle boot');
    expect([data.train.size, data.train.numBatches, data.test.size, data.test.numBatches]).toEqual([2000, 4, 500, 1]);
    const first = data.train.batches().next().value!;
    expect(first.x.shape).toEqual([512, 28, 28, 1]);
    expect([first.x.dtype, first.y.dtype]).toEqual(['float32', 'int32']);
    const [min, max] = [first.x.min().dataSync()[0]!, first.x.max().dataSync()[0]!];
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
    tf.dispose([first.x, first.y]);
    expect(perClass(await collectLabels(data.train))).toEqual(new Array(10).fill(200));
    expect(perClass(await collectLabels(data.test))).toEqual(new Array(10).fill(50));
  });

  it('shuffles training batches by seed, differently each pass, and keeps the test order fixed', async () => {
    const a = await loadDataFashionMnist({ batchSize: 500, subset: 'embedded', seed: 7 });
    const b = await loadDataFashionMnist({ batchSize: 500, subset: 'embedded', seed: 7 });
    const [a1, a2, b1] = [await collectLabels(a.train), await collectLabels(a.train), await collectLabels(b.train)];
    expect(a1).toEqual(b1);
    expect(a2).not.toEqual(a1);
    expect(await collectLabels(a.test)).toEqual(await collectLabels(a.test));
  });

  it('resizes each batch bilinearly, the last batch keeping the remainder', async () => {
    const data = await loadDataFashionMnist({ batchSize: 300, subset: 'embedded', resize: 96 });
    const shapes: number[][] = [];
    for (const { x, y } of data.test.batches()) {
      shapes.push(x.shape);
      expect(x.max().dataSync()[0]).toBeLessThanOrEqual(1);
      tf.dispose([x, y]);
    }
    expect(shapes).toEqual([
      [300, 96, 96, 1],
      [200, 96, 96, 1],
    ]);
  });

  it('draws stratified, seeded samples', async () => {
    const a = await loadDataFashionMnist({ batchSize: 64, subset: { train: 100, test: 30 }, seed: 3 });
    expect([a.train.size, a.test.size]).toEqual([100, 30]);
    expect(a.source).toMatch(/^stratified sample \(100\/30, seed 3\) of /);
    expect(perClass(await collectLabels(a.train))).toEqual(new Array(10).fill(10));
    expect(perClass(await collectLabels(a.test))).toEqual(new Array(10).fill(3));
  });

  it('rejects bad options with one line saying what to do', async () => {
    await expect(loadDataFashionMnist({ batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(loadDataFashionMnist({ batchSize: 8, resize: 9.5 })).rejects.toThrow(
      /resize must be a positive integer/,
    );
    await expect(loadDataFashionMnist({ batchSize: 8, subset: 'most' as 'auto' })).rejects.toThrow(
      /unknown subset 'most'/,
    );
    await expect(loadDataFashionMnist({ batchSize: 8, subset: { train: 99_999, test: 10 } })).rejects.toThrow(
      /ask for a smaller subset/,
    );
  });
});

describe('full files', () => {
  it("'full' with nothing found and no download lists the three ways to get the data", async () => {
    const empty = mkdtempSync(join(tmpdir(), 'd2l-empty-'));
    const opts = { batchSize: 8, searchDirs: [empty] };
    await expect(loadDataFashionMnist({ ...opts, subset: 'full', download: false })).rejects.toThrow(
      /D2L_DATA_DIR[\s\S]*go online once[\s\S]*apt-get install dataset-fashion-mnist[\s\S]*Searched: .*d2l-empty-/,
    );
    expect((await loadDataFashionMnist(opts)).source).toBe('embedded subset (2000/500)');
  });

  it('finds full files through $D2L_DATA_DIR, and rejects images and labels that do not pair up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'd2l-env-'));
    const write = (k: SplitFile, shape: number[]) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const data = Uint8Array.from({ length: count }, (_, i) => (shape.length === 1 ? i % 10 : i % 256));
      writeFileSync(join(dir, `${FILE_NAMES[k]}.gz`), gzipSync(encodeIdx({ shape, data })));
    };
    write('trainImages', [30, 28, 28]);
    write('trainLabels', [30]);
    write('testImages', [20, 28, 28]);
    write('testLabels', [20]);
    const saved = process.env.D2L_DATA_DIR;
    process.env.D2L_DATA_DIR = dir;
    try {
      const data = await loadDataFashionMnist({ batchSize: 8 });
      expect([data.source, data.train.size, data.test.size]).toEqual([dir, 30, 20]);
      write('testLabels', [19]);
      await expect(loadDataFashionMnist({ batchSize: 8 })).rejects.toThrow(
        /holds 20 images but .*t10k-labels.* holds 19 labels/,
      );
    } finally {
      if (saved === undefined) delete process.env.D2L_DATA_DIR;
      else process.env.D2L_DATA_DIR = saved;
    }
  });

  it('a download that fails verification leaves nothing in the cache', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'd2l-cache-'));
    const fakeFetch = async () => ({ ok: true, status: 200, arrayBuffer: async () => new ArrayBuffer(100) });
    await expect(downloadFashionMnist({ cacheDir, mirrors: ['http://mirror/'], fetch: fakeFetch })).rejects.toThrow(
      /download failed \(http:\/\/mirror\/train-images-idx3-ubyte\.gz: SHA-256 mismatch\)/,
    );
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  const debian = existsSync(join(DEBIAN_DIR, `${FILE_NAMES.trainLabels}.gz`));

  it.skipIf(!debian)('verified download renames whole files into place (served from the Debian copy)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'd2l-cache-'));
    const byUrl = (url: string) => readFileSync(join(DEBIAN_DIR, url.slice('http://mirror/'.length)));
    const fakeFetch = async (url: string) => {
      const bytes = byUrl(url);
      return {
        ok: true,
        status: 200,
        arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
      };
    };
    const got = await downloadFashionMnist({ cacheDir, mirrors: ['http://mirror/'], fetch: fakeFetch });
    expect(readdirSync(cacheDir).sort()).toEqual(
      Object.values(FILE_NAMES)
        .map((n) => `${n}.gz`)
        .sort(),
    );
    expect(got.files.testLabels).toBe(join(cacheDir, `${FILE_NAMES.testLabels}.gz`));
  });

  it.skipIf(!debian)('the Debian files hold 60,000 / 10,000 images, 6,000 / 1,000 per class', () => {
    const count = (k: SplitFile) => readIdx(join(DEBIAN_DIR, `${FILE_NAMES[k]}.gz`));
    const [trainLabels, testLabels] = [count('trainLabels'), count('testLabels')];
    expect(perClass(trainLabels.data)).toEqual(new Array(10).fill(6000));
    expect(perClass(testLabels.data)).toEqual(new Array(10).fill(1000));
    expect(count('testImages').shape).toEqual([10_000, 28, 28]);
    expect(count('trainImages').shape).toEqual([60_000, 28, 28]);
  });

  it.skipIf(!debian)("'auto' picks the full local files and resizes lazily", async () => {
    const data = await loadDataFashionMnist({ batchSize: 256, resize: 96, dataDir: DEBIAN_DIR });
    expect([data.source, data.train.size, data.test.size, data.train.numBatches]).toEqual([
      DEBIAN_DIR,
      60_000,
      10_000,
      235,
    ]);
    const { x, y } = data.test.batches().next().value!;
    expect(x.shape).toEqual([256, 96, 96, 1]);
    tf.dispose([x, y]);
  });
});
