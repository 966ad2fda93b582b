import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forbidSyncReads, loadModel } from '@course/d2l';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithoutExerciseBodies } from './test-exercise-bodies.ts';
import { BOOK_DEFAULTS, defaultOutDir, parseTrainArgs, trainChapter } from './train-chapter.ts';

skipWithoutExerciseBodies('train-chapter.test.ts');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('pnpm train flags', () => {
  it("defaults to the book's run", () => {
    expect(parseTrainArgs([])).toMatchObject({ ...BOOK_DEFAULTS, subset: 'auto', backend: 'auto', seed: 0 });
  });

  it('shrinks the run', () => {
    const config = parseTrainArgs([
      '--epochs',
      '2',
      '--lr',
      '0.1',
      '--batch-size',
      '64',
      '--resize',
      '48',
      '--subset',
      '600,100',
    ]);
    expect(config).toMatchObject({ epochs: 2, lr: 0.1, batchSize: 64, resize: 48, subset: { train: 600, test: 100 } });
  });

  it.each([
    [['--epochs', '0'], /--epochs wants a positive integer, got '0'/],
    [['--lr', 'fast'], /--lr wants a positive number/],
    [['--subset', 'some'], /--subset wants embedded, full, auto or TRAIN,TEST/],
    [['--backend', 'tpu'], /--backend wants one of auto, tensorflow/],
  ])('rejects %j', (args, reason) => {
    expect(() => parseTrainArgs(args)).toThrow(reason);
  });

  it('names the run folder after the model', () => {
    expect(defaultOutDir(new Date('2026-11-27T01:02:03.456Z'))).toBe(join('runs', 'resnet18-2026-11-27T01-02-03-456Z'));
  });
});

describe('a tiny training run', () => {
  it('trains, then saves the parameters as resnet18, the curves and the record', async () => {
    const out = mkdtempSync(join(tmpdir(), 'resnet-train-'));
    dirs.push(out);
    const config = parseTrainArgs(['--epochs', '1', '--batch-size', '4', '--resize', '16', '--subset', '20,10']);
    // `pnpm train` must run on webgpu, which has no synchronous read under Node: none is allowed here.
    const allowSyncReads = forbidSyncReads();
    const run = await trainChapter({ ...config, backend: 'cpu', maxBatches: 1, out, quiet: true }).finally(
      allowSyncReads,
    );
    expect(run.result.history).toHaveLength(1);
    expect(run.result.lines[0]).toMatch(/^loss \d+\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}$/);
    expect(run.files.model).toBe(join(out, 'resnet18'));
    expect(existsSync(run.files.curves.svg)).toBe(true);
    const record = JSON.parse(readFileSync(run.files.record, 'utf8'));
    expect(record).toMatchObject({ model: 'resnet18', config: { resize: 16, epochs: 1 } });
    const reloaded = await loadModel(run.files.model);
    expect(reloaded.countParams()).toBe(11_186_186);
    expect(reloaded.inputs[0]!.shape).toEqual([null, 16, 16, 1]);
    reloaded.dispose();
  });
});
