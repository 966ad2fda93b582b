// The adapter `trainCh6({ workers })` uses: one data-parallel SGD step per d2l batch
// (x [n,H,W,C], integer labels y [n]), and the replicas' weights copied back into the model
// before anything reads it (evaluation, saving).
import * as tf from '@tensorflow/tfjs';
import { type DataParallelTrainer, dataParallelTrainer } from './data-parallel.ts';

export interface ParallelSteps {
  readonly workers: number;
  /** One SGD step on the batch: [mean loss, correct predictions]. */
  step(batch: { x: tf.Tensor; y: tf.Tensor }): Promise<[number, number]>;
  /** Copies replica 0's weights (trainable and BN statistics) into the model. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function parallelSteps(
  model: tf.LayersModel,
  workers: number,
  learningRate: number,
): Promise<ParallelSteps> {
  if (tf.getBackend() !== 'wasm') {
    throw new Error(
      `workers > 1 trains on wasm worker threads; call useBackend('wasm') first (running '${tf.getBackend()}')`,
    );
  }
  const trainer: DataParallelTrainer = await dataParallelTrainer(model, { workers, learningRate });
  const classes = model.outputs[0]?.shape.at(-1) as number;
  return {
    workers: trainer.workers,
    async step({ x, y }) {
      const n = x.shape[0] as number;
      const xs = (await x.data()) as Float32Array;
      const labels = await y.data();
      const oneHot = new Float32Array(n * classes);
      labels.forEach((label, i) => {
        oneHot[i * classes + Number(label)] = 1;
      });
      const { loss, correct } = await trainer.step(xs.slice(), oneHot, n);
      return [loss, correct];
    },
    async sync() {
      const weights = await trainer.weights();
      tf.tidy(() => model.setWeights(weights.map((w, i) => tf.tensor(w, model.weights[i]?.shape as number[]))));
    },
    close: () => trainer.close(),
  };
}
