// `pnpm train`: the chapter's training cell done right. The book's defaults (lr 0.05, 10 epochs,
// batch 256, resize 96), flags to shrink the run, a progress bar, the curves as SVG/PNG, and the
// parameters saved under the model's own name (the seed saved its ResNet as `GoogLeNet.mdl`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BACKEND_CHOICES,
  type BackendChoice,
  loadDataFashionMnist,
  type SubsetChoice,
  saveModel,
  useBackend,
} from '@course/d2l';
import { type TrainResult, trainCh6 } from '@course/d2l/train';
import { resnet18 } from './chapter.ts';
import { loadSubmissionNetwork } from './submission.ts';

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
  /** The student's own file to train instead of the chapter's ResNet-18 (`--submission src/preact.ts`). */
  submission?: string;
  /** Its network builder, when it exports several; and the depth for bottleneckResnet (default 50). */
  fn?: string;
  depth?: number;
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
      submission: { type: 'string' },
      fn: { type: 'string' },
      depth: { type: 'string' },
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
    submission: values.submission,
    fn: values.fn,
    depth: positive('depth', values.depth, true),
  };
}

export function defaultOutDir(now = new Date(), name: string = MODEL_NAME): string {
  return join('runs', `${name}-${now.toISOString().replace(/[:.]/g, '-')}`);
}

/**
 * Why a test accuracy near chance is not (yet) a verdict on the network: a run of a few batches has not
 * trained a ResNet. Undefined when the accuracy is clearly above chance or the run was long.
 */
export function nearChanceNote(
  testAcc: number,
  numClasses: number,
  steps: number,
  book = BOOK_DEFAULTS,
): string | undefined {
  const chance = 1 / numClasses;
  const bookSteps = book.epochs * Math.ceil(60000 / book.batchSize);
  if (testAcc > 2 * chance || steps >= bookSteps / 4) return undefined;
  return `test accuracy ${testAcc.toFixed(3)} is near chance (${chance.toFixed(2)} for ${numClasses} classes): ${steps} training steps are far too few for a ResNet to learn (the book trains ${book.epochs} epochs of ${Math.ceil(60000 / book.batchSize)} batches, ${bookSteps} steps); this says nothing yet about your network. Train longer (--epochs, no --max-batches) or grade it (pnpm grade), whose training check uses a run sized to learn`;
}

export interface TrainRun {
  result: TrainResult;
  outDir: string;
  /** What was written: the saved model folder, the curves and the run's record. */
  files: { model: string; curves: { svg: string; png?: string }; record: string };
  /** Why the accuracy is near chance, after a run too short to say more. */
  note?: string;
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
  const net = config.submission
    ? await loadSubmissionNetwork(config.submission, { fn: config.fn, depth: config.depth })
    : undefined;
  const options = {
    inputShape: [config.resize, config.resize, 1] as [number, number, number],
    numClasses: data.classNames.length,
  };
  const model = net ? net.build(options) : resnet18(options);
  const name = net ? (net.fn === 'bottleneckResnet' ? `${net.fn}${net.depth}` : net.fn) : MODEL_NAME;
  if (net && !config.quiet) console.error(`training your ${net.label} from ${config.submission} with the book's loop`);
  try {
    const result = await trainCh6(model, data.train, data.test, {
      numEpochs: config.epochs,
      lr: config.lr,
      backend,
      seed: config.seed,
      maxBatchesPerEpoch: config.maxBatches,
      quiet: config.quiet,
    });
    const outDir = config.out ?? defaultOutDir(new Date(), name);
    mkdirSync(outDir, { recursive: true });
    const modelDir = join(outDir, name);
    await saveModel(model, modelDir);
    const curves = await result.animator.save(join(outDir, 'curves'));
    const record = join(outDir, 'history.json');
    const { animator: _animator, ...summary } = result;
    writeFileSync(record, `${JSON.stringify({ model: name, config, data: data.source, ...summary }, null, 2)}\n`);
    const last = result.history.at(-1);
    const perEpoch = Math.min(config.maxBatches ?? Number.POSITIVE_INFINITY, data.train.numBatches);
    const steps = result.history.length * perEpoch;
    const note = last ? nearChanceNote(last.testAcc, data.classNames.length, steps) : undefined;
    return { result, outDir, files: { model: modelDir, curves, record }, note };
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
  if (run.note) console.log(`note: ${run.note}`);
}
