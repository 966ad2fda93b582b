// The book's `train_ch6`: Xavier-uniform init, minibatch SGD on softmax cross-entropy, train loss
// and accuracy per epoch, test accuracy after each epoch, and throughput over training batches only.
// A hand-written loop (not model.fit) so BatchNorm runs in training mode, every tensor is accounted
// for, and the same seed gives the same run.
import * as tf from '@tensorflow/tfjs';
import { Accumulator } from './accumulator.ts';
import { type Animator, createAnimator } from './animator.ts';
import { type BackendInfo, currentBackend } from './backend.ts';
import { installFastCpuKernels } from './cpu-kernels.ts';
import type { Batch, DataIter } from './fashion-mnist.ts';
import { Timer } from './timer.ts';

export interface EpochStats {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testAcc: number;
  /** Seconds spent in training batches this epoch (evaluation excluded). */
  seconds: number;
}

export interface TrainResult {
  history: EpochStats[];
  examplesPerSec: number;
  device: string;
  /** The book's two closing lines: `loss …, train acc …, test acc …` and `… examples/sec on …`. */
  lines: [string, string];
  /** The curves (train loss, train acc, test acc); call `save(path)` for SVG/PNG. */
  animator: Animator;
}

export interface TrainOptions {
  numEpochs: number;
  lr: number;
  /** Names the device in the report; must be the backend TF.js is running. */
  backend?: BackendInfo;
  onEpoch?: (s: EpochStats) => void;
  /** After every training batch; `epoch` and `batch` are 1-based. */
  onBatch?: (epoch: number, batch: number, numBatches: number, loss: number) => void;
  animator?: Animator;
  /** Xavier-uniform re-init of conv and dense kernels, as the book (default true). */
  init?: boolean;
  /** Seed for the re-init (data order is seeded by the iterator). Default 0. */
  seed?: number;
  /** Stop each epoch after this many batches (quick checks); throughput counts only those. */
  maxBatchesPerEpoch?: number;
  /** No progress bar and no printed lines. */
  quiet?: boolean;
  /**
   * wasm only: data-parallel training over this many worker threads, each with its own wasm
   * instance (docs/wasm-training.md; BatchNorm statistics are per worker). Default 1: in-process.
   */
  workers?: number;
}

const KERNEL_LAYERS = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'Conv3DTranspose', 'Dense']);

/** The book's `init_weights`: Xavier (Glorot) uniform for every conv and dense kernel; biases kept. */
export function xavierInit(model: tf.LayersModel, seed = 0): void {
  let n = 0;
  const visit = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
      if (inner) visit(inner);
      if (!KERNEL_LAYERS.has(layer.getClassName())) continue;
      for (const w of layer.weights.filter((v) => v.originalName.endsWith('/kernel'))) {
        const value = tf.initializers.glorotUniform({ seed: seed + n++ }).apply(w.shape as number[]);
        w.write(value);
        value.dispose();
      }
    }
  };
  visit(model.layers);
}

function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.layers.at(-1)?.getConfig() as { activation?: string } | undefined;
  return last?.activation === 'softmax';
}

/** Cross-entropy on logits (the book's nets end in a plain dense layer) or on softmax outputs. */
function crossEntropy(out: tf.Tensor, y: tf.Tensor1D, probabilities: boolean): tf.Scalar {
  const oneHot = tf.oneHot(y, out.shape[1]!);
  if (!probabilities) return tf.losses.softmaxCrossEntropy(oneHot, out) as tf.Scalar;
  return tf.mean(tf.metrics.categoricalCrossentropy(oneHot, out)) as tf.Scalar;
}

function countCorrect(out: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), y), 'float32'));
}

function forward(model: tf.LayersModel, x: tf.Tensor4D, training: boolean): tf.Tensor {
  const out = model.apply(x, { training });
  if (Array.isArray(out)) throw new Error('trainCh6 needs a model with one output (class scores)');
  return out as tf.Tensor;
}

/** The book's `evaluate_accuracy_gpu`: accuracy over every batch of `iter`, inference mode. */
export async function evaluateAccuracy(model: tf.LayersModel, iter: DataIter): Promise<number> {
  let correct = 0;
  let count = 0;
  for (const { x, y } of iter.batches()) {
    const c = tf.tidy(() => countCorrect(forward(model, x, false), y));
    // Asynchronous reads: the webgpu backend has no synchronous download under Node.
    correct += (await c.data())[0]!;
    count += y.shape[0];
    tf.dispose([c, x, y]);
  }
  return count === 0 ? 0 : correct / count;
}

function checkOptions(opts: TrainOptions): void {
  if (!Number.isInteger(opts.numEpochs) || opts.numEpochs < 1)
    throw new Error(`numEpochs must be a positive integer, got ${opts.numEpochs}`);
  if (!(opts.lr > 0) || !Number.isFinite(opts.lr))
    throw new Error(`lr must be a positive number (the book uses 0.05 for ResNet), got ${opts.lr}`);
  if (
    opts.maxBatchesPerEpoch !== undefined &&
    !(Number.isInteger(opts.maxBatchesPerEpoch) && opts.maxBatchesPerEpoch > 0)
  ) {
    throw new Error(`maxBatchesPerEpoch must be a positive integer, got ${opts.maxBatchesPerEpoch}`);
  }
  if (opts.backend && opts.backend.name !== tf.getBackend()) {
    throw new Error(
      `trainCh6 was told backend '${opts.backend.name}' but TF.js runs '${tf.getBackend()}'; call useBackend('${opts.backend.name}') first`,
    );
  }
}

/** One SGD step; returns (loss, correct) as numbers. BN layers see `training: true`. */
async function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  { x, y }: Batch,
  probabilities: boolean,
): Promise<[number, number]> {
  let correct: tf.Scalar | undefined;
  const loss = optimizer.minimize(
    () => {
      const out = forward(model, x, true);
      // Kept past the gradient tape's tidy; disposed below.
      correct = tf.keep(countCorrect(out, y));
      return crossEntropy(out, y, probabilities);
    },
    true,
    vars,
  )!;
  const values: [number, number] = [(await loss.data())[0]!, (await correct!.data())[0]!];
  tf.dispose([loss, correct!]);
  return values;
}

const fmt3 = (v: number) => v.toFixed(3);

export async function trainCh6(
  model: tf.LayersModel,
  train: DataIter,
  test: DataIter,
  opts: TrainOptions,
): Promise<TrainResult> {
  checkOptions(opts);
  // The stock cpu conv-filter and max-pool gradients take seconds per batch even for small convnets.
  if (tf.getBackend() === 'cpu') installFastCpuKernels();
  const info = opts.backend ?? currentBackend();
  const device = info && info.name === tf.getBackend() ? info.device : tf.getBackend();
  if (opts.init !== false) xavierInit(model, opts.seed ?? 0);
  const batchesPerEpoch = Math.min(train.numBatches, opts.maxBatchesPerEpoch ?? Number.POSITIVE_INFINITY);
  const animator =
    opts.animator ??
    createAnimator({
      xlabel: 'epoch',
      // The book clips at 1, hiding the first epoch's batches; short runs need them.
      xlim: [0, opts.numEpochs],
      legend: ['train loss', 'train acc', 'test acc'],
      stream: opts.quiet ? { write: () => true, isTTY: false } : process.stderr,
    });
  animator.setTotal(opts.numEpochs * batchesPerEpoch);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const probabilities = outputsProbabilities(model);
  const optimizer = tf.train.sgd(opts.lr);
  // Issue 5: replicas in worker threads step instead; their weights come back before evaluation.
  const parallel =
    (opts.workers ?? 1) > 1
      ? await (await import('./wasm/parallel-steps.ts')).parallelSteps(model, opts.workers as number, opts.lr)
      : undefined;
  const timer = new Timer();
  const history: EpochStats[] = [];
  let examples = 0;
  try {
    for (let epoch = 1; epoch <= opts.numEpochs; epoch++) {
      const metric = new Accumulator(3); // loss sum, correct, examples
      const lapsBefore = timer.times.length;
      let i = 0;
      for (const batch of train.batches()) {
        const n = batch.y.shape[0];
        timer.start();
        let loss: number;
        let correct: number;
        try {
          [loss, correct] = parallel
            ? await parallel.step(batch)
            : await trainStep(model, optimizer, vars, batch, probabilities);
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
        timer.stop();
        if (!Number.isFinite(loss))
          throw new Error(
            `training diverged: loss is ${loss} in epoch ${epoch}, batch ${i + 1}; try a smaller lr (now ${opts.lr})`,
          );
        metric.add(loss * n, correct, n);
        examples += n;
        i++;
        const [trainLoss, trainAcc] = [metric.get(0) / metric.get(2), metric.get(1) / metric.get(2)];
        opts.onBatch?.(epoch, i, batchesPerEpoch, loss);
        if (i % Math.max(1, Math.floor(batchesPerEpoch / 5)) === 0 || i === batchesPerEpoch) {
          animator.add(epoch - 1 + i / batchesPerEpoch, [trainLoss, trainAcc, null]);
        }
        animator.tick(
          (epoch - 1) * batchesPerEpoch + i,
          `epoch ${epoch}/${opts.numEpochs} loss ${fmt3(trainLoss)} acc ${fmt3(trainAcc)}`,
        );
        if (i >= batchesPerEpoch) break; // before the generator builds a batch nobody uses
        // Let timers, signals and IPC run between batches: a long run must stay interruptible.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await parallel?.sync();
      const testAcc = await evaluateAccuracy(model, test);
      animator.add(epoch, [null, null, testAcc]);
      const stats: EpochStats = {
        epoch,
        trainLoss: metric.get(0) / metric.get(2),
        trainAcc: metric.get(1) / metric.get(2),
        testAcc,
        seconds: timer.times.slice(lapsBefore).reduce((a, b) => a + b, 0),
      };
      history.push(stats);
      opts.onEpoch?.(stats);
    }
  } finally {
    animator.finish();
    optimizer.dispose();
    await parallel?.close();
  }
  const last = history.at(-1)!;
  const examplesPerSec = examples / Math.max(timer.sum(), 1e-9);
  const lines: [string, string] = [
    `loss ${fmt3(last.trainLoss)}, train acc ${fmt3(last.trainAcc)}, test acc ${fmt3(last.testAcc)}`,
    `${examplesPerSec.toFixed(1)} examples/sec on ${device}`,
  ];
  if (!opts.quiet) console.log(lines.join('\n'));
  return { history, examplesPerSec, device, lines, animator };
}
