// Data-parallel training over worker threads, each with its own wasm instance: the one way to use
// both cores, since tfjs-backend-wasm runs single-threaded under Node (tfjs issue 3830).
// Each step splits the batch into one shard per worker; every worker returns the gradient of its
// shard's mean loss; the average (weighted by shard size) is sent back and every replica applies
// the same SGD update, so trainable weights stay identical across replicas and equal single-worker
// training up to float rounding. BatchNorm is NOT synchronised: each replica normalises with its
// own shard's statistics and keeps its own moving averages (weights() returns replica 0's).
import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';

export interface WorkerSetup {
  topology: object;
  weights: { values: Float32Array; shape: number[] }[];
  inputShape: number[];
  numClasses: number;
  learningRate: number;
  /** The model ends in a softmax: the loss takes the log of its output instead of a log-softmax. */
  probabilities: boolean;
}
export type ToWorker =
  | { kind: 'grads'; x: Float32Array; y: Float32Array; rows: number }
  | { kind: 'apply'; grads: Float32Array[] }
  | { kind: 'setWeights'; weights: Float32Array[] }
  | { kind: 'weights' };
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'grads'; loss: number; correct: number; grads: Float32Array[] }
  | { kind: 'applied' }
  | { kind: 'weights'; weights: Float32Array[] }
  | { kind: 'error'; message: string };

export interface DataParallelOptions {
  /** Worker threads (replicas); default 2. */
  workers?: number;
  learningRate: number;
}

export interface DataParallelTrainer {
  readonly workers: number;
  /** One SGD step on `batch` examples (x: NHWC rows, y: one-hot rows): the batch's mean loss and hits. */
  step(x: Float32Array, y: Float32Array, batch: number): Promise<{ loss: number; correct: number }>;
  /** Replaces every replica's weights (e.g. after the caller re-initialised the model). */
  setWeights(weights: Float32Array[]): Promise<void>;
  /** All weights (trainable and BN statistics) of replica 0, in `model.getWeights()` order. */
  weights(): Promise<Float32Array[]>;
  close(): Promise<void>;
}

const ENTRY = new URL('./data-parallel-worker.mjs', import.meta.url);

function request(worker: Worker, msg: ToWorker | null, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: FromWorker) => {
      worker.off('error', onError);
      if (reply.kind === 'error') reject(new Error(`data-parallel worker: ${reply.message}`));
      else resolve(reply);
    };
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      reject(new Error(`data-parallel worker crashed: ${err.message.split('\n')[0]}`));
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    if (msg) worker.postMessage(msg, transfer);
  });
}

/** Starts `workers` replicas of `model` (its current weights) on the wasm backend. */
export async function dataParallelTrainer(
  model: tf.LayersModel,
  options: DataParallelOptions,
): Promise<DataParallelTrainer> {
  const count = options.workers ?? 2;
  if (!Number.isInteger(count) || count < 1) throw new Error(`workers must be a positive integer (got ${count})`);
  const inputShape = model.inputs[0]?.shape.slice(1) as number[];
  const numClasses = model.outputs[0]?.shape.at(-1) as number;
  const setup: WorkerSetup = {
    topology: model.toJSON(null, false) as object,
    weights: model.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape })),
    inputShape,
    numClasses,
    learningRate: options.learningRate,
    probabilities: (model.layers.at(-1)?.getConfig().activation as string | undefined) === 'softmax',
  };
  const workers = Array.from({ length: count }, () => new Worker(ENTRY, { workerData: setup }));
  try {
    await Promise.all(workers.map((w) => request(w, null)));
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  const rowSize = inputShape.reduce((a, b) => a * b, 1);

  async function step(x: Float32Array, y: Float32Array, batch: number): Promise<{ loss: number; correct: number }> {
    if (x.length !== batch * rowSize || y.length !== batch * numClasses) {
      throw new Error(`step: expected ${batch}×[${inputShape}] inputs and ${batch}×${numClasses} one-hot labels`);
    }
    // Shards as even as possible; a worker with no rows sits the step out.
    const bounds = workers.map((_, i) => Math.round((i * batch) / count)).concat(batch);
    const shards = workers.map((_, i) => ({
      from: bounds[i] as number,
      rows: (bounds[i + 1] as number) - (bounds[i] as number),
    }));
    const active = workers
      .map((w, i) => ({ w, ...(shards[i] as { from: number; rows: number }) }))
      .filter((s) => s.rows > 0);
    const replies = await Promise.all(
      active.map(({ w, from, rows }) => {
        const xs = x.slice(from * rowSize, (from + rows) * rowSize);
        const ys = y.slice(from * numClasses, (from + rows) * numClasses);
        return request(w, { kind: 'grads', x: xs, y: ys, rows }, [xs.buffer, ys.buffer]);
      }),
    );
    let loss = 0;
    let correct = 0;
    let mean: Float32Array[] | undefined;
    replies.forEach((reply, i) => {
      if (reply.kind !== 'grads')
        throw new Error(`data-parallel worker answered '${reply.kind}' to a gradient request`);
      const weight = (active[i]?.rows ?? 0) / batch;
      loss += weight * reply.loss;
      correct += reply.correct;
      if (!mean) {
        mean = reply.grads.map((g) => new Float32Array(new SharedArrayBuffer(g.byteLength)));
      }
      reply.grads.forEach((g, k) => {
        const acc = mean?.[k] as Float32Array;
        for (let j = 0; j < g.length; j++) acc[j] = (acc[j] as number) + weight * (g[j] as number);
      });
    });
    // Shared memory: every replica reads the same averaged gradient without a copy per worker.
    await Promise.all(workers.map((w) => request(w, { kind: 'apply', grads: mean ?? [] })));
    return { loss, correct };
  }

  return {
    workers: count,
    step,
    async setWeights(weights) {
      await Promise.all(workers.map((w) => request(w, { kind: 'setWeights', weights })));
    },
    async weights() {
      const reply = await request(workers[0] as Worker, { kind: 'weights' });
      if (reply.kind !== 'weights')
        throw new Error(`data-parallel worker answered '${reply.kind}' to a weights request`);
      return reply.weights;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
