// One data-parallel replica: its own wasm instance, a copy of the model, plain SGD. Each step it
// returns the gradient of its shard's mean loss, then applies the averaged gradient it is sent
// back, so every replica's trainable weights stay bit-identical.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { FromWorker, ToWorker, WorkerSetup } from './data-parallel.ts';
import { registerWasmTraining } from './index.ts';

const port = parentPort;
if (!port) throw new Error('data-parallel-worker.ts runs only as a worker thread');
const setup = workerData as WorkerSetup;

await tf.setBackend('wasm');
await tf.ready();
registerWasmTraining();
const model = await tf.models.modelFromJSON(setup.topology as unknown as tf.io.ModelJSON);
model.setWeights(setup.weights.map((w) => tf.tensor(w.values, w.shape)));
const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
const optimizer = tf.train.sgd(setup.learningRate);
const send = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

port.on('message', (msg: ToWorker) => {
  try {
    if (msg.kind === 'grads') {
      let correct = 0;
      const { value, grads } = tf.tidy(() => {
        const x = tf.tensor(msg.x, [msg.rows, ...setup.inputShape]);
        const y = tf.tensor2d(msg.y, [msg.rows, setup.numClasses]);
        return tf.variableGrads(() => {
          const out = model.apply(x, { training: true }) as tf.Tensor;
          correct = tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), tf.argMax(y, -1)), 'float32')).dataSync()[0] ?? 0;
          // A softmax head gives probabilities: take their log; otherwise the output is logits.
          return setup.probabilities
            ? tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(out, 1e-7, 1))), -1)))
            : tf.losses.softmaxCrossEntropy(y, out);
        }, trainable);
      });
      const arrays = trainable.map((v) => grads[v.name]?.dataSync() as Float32Array);
      const loss = value.dataSync()[0] ?? Number.NaN;
      tf.dispose([value, ...Object.values(grads)]);
      send(
        { kind: 'grads', loss, correct, grads: arrays },
        arrays.map((a) => a.buffer as ArrayBuffer),
      );
    } else if (msg.kind === 'apply') {
      tf.tidy(() => {
        const named = trainable.map((v, i) => ({
          name: v.name,
          tensor: tf.tensor(msg.grads[i] as Float32Array, v.shape),
        }));
        optimizer.applyGradients(named);
      });
      send({ kind: 'applied' });
    } else if (msg.kind === 'setWeights') {
      tf.tidy(() => model.setWeights(msg.weights.map((w, i) => tf.tensor(w, model.weights[i]?.shape as number[]))));
      send({ kind: 'applied' });
    } else if (msg.kind === 'weights') {
      const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
      send(
        { kind: 'weights', weights },
        weights.map((a) => a.buffer as ArrayBuffer),
      );
    }
  } catch (err) {
    send({ kind: 'error', message: (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '' });
  }
});
send({ kind: 'ready' });
