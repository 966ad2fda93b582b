// `pnpm train`: the chapter's training cell done right. The book's defaults (lr 0.05, 10 epochs,
// batch 256, resize 96), flags to shrink the run, a progress bar, the curves as SVG/PNG, and the
// parameters saved under the model's own name (the seed saved its ResNet as `GoogLeNet.mdl`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES, type BackendChoice, useBackend } from '@course/d2l/backend';
import { loadDataFashionMnist, type SubsetChoice } from '@course/d2l/fashion-mnist';
import { saveModel } from '@course/d2l/model-io';
import { type TrainResult, trainCh6 } from '@course/d2l/train';
import { resnet18 } from './chapter.ts';

export interface TrainConfig {
  epochs: number;
  lr: number;
  batchSize: number;
  resize: number;
  subset: SubsetChoice;
  backend: BackendChoice;
  /** Where the run's files go; runs/resnet18-<timestamp> when absent. */
  out?: string;
  /** Stop each epoch after this many batches (smoke runs). */
  maxBatches?: number;
  seed: number;
  quiet?: boolean;
}

export const BOOK_DEFAULTS = { epochs: 10, lr: 0.05, batchSize: 256, resize: 96 } as const;
export const MODEL_NAME = 'resnet18';

function positive(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new Error(`--${flag} wants a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  }
  return n;
}

export function parseSubset(text: string): SubsetChoice {
  if (text === 'auto' || text === 'embedded' || text === 'full') return text;
  const match = /^(\d+),(\d+)$/.exec(text.trim());
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    throw new Error(`--subset wants embedded, full, auto or TRAIN,TEST counts such as 6000,1000; got '${text}'`);
  }
  return { train: Number(match[1]), test: Number(match[2]) };
}

export function parseTrainArgs(args: string[]): TrainConfig {
  const { values } = parseArgs({
    args,
    options: {
      epochs: { type: 'string' },
      lr: { type: 'string' },
      'batch-size': { type: 'string' },
      resize: { type: 'string' },
      subset: { type: 'string', default: 'auto' },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string' },
      'max-batches': { type: 'string' },
      seed: { type: 'string', default: '0' },
    },
  });
  if (!(BACKEND_CHOICES as readonly string[]).includes(values.backend)) {
    throw new Error(`--backend wants one of ${BACKEND_CHOICES.join(', ')}; got '${values.backend}'`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed wants a non-negative integer, got '${values.seed}'`);
  return {
    epochs: positive('epochs', values.epochs, true) ?? BOOK_DEFAULTS.epochs,
    lr: positive('lr', values.lr, false) ?? BOOK_DEFAULTS.lr,
    batchSize: positive('batch-size', values['batch-size'], true) ?? BOOK_DEFAULTS.batchSize,
    resize: positive('resize', values.resize, true) ?? BOOK_DEFAULTS.resize,
    subset: parseSubset(values.subset),
    backend: values.backend as BackendChoice,
    out: values.out,
    maxBatches: positive('max-batches', values['max-batches'], true),
    seed,
  };
}

export function defaultOutDir(now = new Date()): string {
  return join('runs', `${MODEL_NAME}-${now.toISOString().replace(/[:.]/g, '-')}`);
}

export interface TrainRun {
  result: TrainResult;
  outDir: string;
  /** What was written: the saved model folder, the curves and the run's record. */
  files: { model: string; curves: { svg: string; png?: string }; record: string };
}

/** Trains the chapter's ResNet-18 on Fashion-MNIST and writes the model, the curves and a JSON record. */
export async function trainChapter(config: TrainConfig): Promise<TrainRun> {
  const backend = await useBackend(config.backend, { quiet: config.quiet });
  const data = await loadDataFashionMnist({
    batchSize: config.batchSize,
    resize: config.resize,
    subset: config.subset,
    seed: config.seed,
  });
  if (!config.quiet) console.error(`data: ${data.source}; backend: ${backend.device}`);
  const model = resnet18({ inputShape: [config.resize, config.resize, 1], numClasses: data.classNames.length });
  try {
    const result = await trainCh6(model, data.train, data.test, {
      numEpochs: config.epochs,
      lr: config.lr,
      backend,
      seed: config.seed,
      maxBatchesPerEpoch: config.maxBatches,
      quiet: config.quiet,
    });
    const outDir = config.out ?? defaultOutDir();
    mkdirSync(outDir, { recursive: true });
    const modelDir = join(outDir, MODEL_NAME);
    await saveModel(model, modelDir);
    const curves = await result.animator.save(join(outDir, 'curves'));
    const record = join(outDir, 'history.json');
    const { animator: _animator, ...summary } = result;
    writeFileSync(record, `${JSON.stringify({ model: MODEL_NAME, config, data: data.source, ...summary }, null, 2)}\n`);
    return { result, outDir, files: { model: modelDir, curves, record } };
  } finally {
    model.dispose();
  }
}

export async function trainCommand(args: string[]): Promise<void> {
  const run = await trainChapter(parseTrainArgs(args));
  const shown = (p: string) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p));
  console.log(
    `saved ${shown(run.files.model)}/ (the parameters), ${shown(run.files.curves.svg)}, ${shown(run.files.record)}`,
  );
}
