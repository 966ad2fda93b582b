// Training throughput of a model on the active backend: SGD steps on seeded random images, timed after a
// warm-up (the first steps compile shaders or pick cuDNN algorithms), with the loss read back every step
// so asynchronous backends (webgpu) are timed for the work they did, not for queueing it.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from './random.ts';

export interface ThroughputOptions {
  batchSize: number;
  /** Timed steps. */
  steps: number;
  /** Untimed steps first. */
  warmup?: number;
  lr?: number;
  seed?: number;
}

export interface Throughput {
  imagesPerSec: number;
  seconds: number;
  /** The loss of each timed step, to show the steps really trained. */
  losses: number[];
}

export async function trainingThroughput(model: tf.LayersModel, options: ThroughputOptions): Promise<Throughput> {
  const { batchSize, steps, warmup = 1, lr = 0.05, seed = 1 } = options;
  if (!(batchSize >= 1 && steps >= 1 && warmup >= 0)) {
    throw new Error(`throughput needs batchSize ≥ 1, steps ≥ 1, warmup ≥ 0 (got ${batchSize}, ${steps}, ${warmup})`);
  }
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  const classes = model.outputs[0]!.shape[1] as number;
  const random = mulberry32(seed);
  const pixels = batchSize * shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Float32Array.from({ length: pixels }, () => random()),
    [batchSize, ...shape],
  );
  const labels = Int32Array.from({ length: batchSize }, () => Math.floor(random() * classes));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
  const optimizer = tf.train.sgd(lr);
  const step = async (): Promise<number> => {
    const loss = optimizer.minimize(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, true)!;
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
  };
  try {
    for (let i = 0; i < warmup; i++) await step();
    const losses: number[] = [];
    const start = performance.now();
    for (let i = 0; i < steps; i++) losses.push(await step());
    const seconds = (performance.now() - start) / 1000;
    return { imagesPerSec: (batchSize * steps) / seconds, seconds, losses };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
  }
}
