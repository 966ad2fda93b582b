// Check 6: a small network built from the student's block (by the sandboxed runner; trained here on the
// rebuilt topology) learns Fashion-MNIST under a fixed seed: the loss must fall and the test accuracy
// reach the threshold measured from the reference (see grader/README.md). The report shows the curve.

import { disposeModel, rebuildModel, seedWeights } from '@course/core';
import { loadDataFashionMnist } from '@course/d2l';
import { trainCh6 } from '@course/d2l/train';
import { trainKey } from '../items.ts';

/**
 * BN momentum for the short training budget: TF.js's default (0.99) leaves the moving statistics near
 * their initial values after a few dozen steps, so test accuracy (inference mode) would be chance for
 * everyone. Only this hyperparameter of the student's topology is changed; the architecture is not.
 */
export const TRAINING_BN_MOMENTUM = 0.9;

/**
 * Wall-clock bound on one training run. The size budget (@course/core's analysis/cost.ts) bounds memory, not time: a
 * block of slow layers within it (a zero-padding block trained for 16 minutes on a shared 2-core
 * machine) must not keep the grader past Gradescope's 10 minutes. The reference trains in 10–50 s.
 */
export const TRAINING_TIME_LIMIT_MS = 150_000;

function withBnMomentum(topology: unknown, momentum: number): unknown {
  const t = structuredClone(topology) as {
    config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> };
  };
  for (const layer of t.config.layers) if (layer.class_name === 'BatchNormalization') layer.config.momentum = momentum;
  return t;
}

import type { TrainingProfile } from '@course/core';
import type * as tf from '@tensorflow/tfjs';
import { type CheckContext, type CheckOutcome, type CheckRunner, combine, modelOr } from './context.ts';

export const trainingCheck: CheckRunner = async (check, expected, ctx) => {
  if (expected.kind !== 'training')
    throw new Error(`${check.id}: a training check needs training data, got ${expected.kind}`);
  const profile = expected.profiles[ctx.profile];
  const what = `a small network of ${check.target} blocks`;
  const got = modelOr(ctx, trainKey(check.target), what);
  if (!('model' in got)) return combine([got], '');
  const model = await rebuildModel(withBnMomentum(got.model.toJSON(null, false), TRAINING_BN_MOMENTUM));
  try {
    return await train(model, profile, what, ctx);
  } finally {
    disposeModel(model);
  }
};

async function train(
  model: tf.LayersModel,
  profile: TrainingProfile,
  what: string,
  ctx: CheckContext,
): Promise<CheckOutcome> {
  seedWeights(model, ctx.seed);
  const data = await loadDataFashionMnist({
    batchSize: profile.batchSize,
    resize: profile.resize,
    subset: profile.subset,
    seed: ctx.seed,
  });
  let result: Awaited<ReturnType<typeof trainCh6>>;
  const deadline = Date.now() + TRAINING_TIME_LIMIT_MS;
  // A software GPU trains far slower than the CPU backends (figures in docs/gpu.md): say so when it runs out of time.
  const slowDevice = ctx.backend.softwareGpu
    ? `; ${ctx.backend.device} is a software GPU, slower than the CPU backends: grade training with --backend auto`
    : '';
  try {
    result = await trainCh6(model, data.train, data.test, {
      onBatch: (epoch, batch, numBatches) => {
        if (Date.now() > deadline)
          throw new Error(
            `stopped after the ${TRAINING_TIME_LIMIT_MS / 1000} s the grader gives one training run, ${(epoch - 1) * numBatches + batch} of ${profile.numEpochs * numBatches} batches done${slowDevice}`,
          );
      },
      numEpochs: profile.numEpochs,
      lr: profile.lr,
      backend: ctx.backend,
      init: false,
      seed: ctx.seed,
      maxBatchesPerEpoch: profile.maxBatchesPerEpoch,
      quiet: true,
    });
  } catch (err) {
    const text = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return combine([{ ok: false, status: 'failed', line: `${what}: training failed (${text})` }], '');
  }
  const curve = result.history.map((h) => ({
    epoch: h.epoch,
    trainLoss: h.trainLoss,
    trainAcc: h.trainAcc,
    testAcc: h.testAcc,
  }));
  const first = result.history[0];
  const last = result.history.at(-1);
  const f3 = (v: number) => v.toFixed(3);
  const budget = `${profile.numEpochs} epoch(s)${profile.maxBatchesPerEpoch ? ` of ${profile.maxBatchesPerEpoch} batches` : ''}, batch ${profile.batchSize}, lr ${profile.lr}, ${data.source}`;
  const lines = [
    `budget (${ctx.profile} profile): ${budget}; seed ${ctx.seed}; ${result.device}`,
    ...result.history.map(
      (h) => `epoch ${h.epoch}: loss ${f3(h.trainLoss)}, train acc ${f3(h.trainAcc)}, test acc ${f3(h.testAcc)}`,
    ),
  ];
  if (!first || !last)
    return combine([{ ok: false, status: 'failed', line: `${what}: no epoch ran` }], '', { curve, lines });
  // The loss falls when the last epoch's mean is below ln(10), the loss of a uniform guess, and below the first's.
  const falls = last.trainLoss < Math.log(10) && (result.history.length === 1 || last.trainLoss < first.trainLoss);
  const threshold = `test accuracy ${f3(last.testAcc)} (needed ${f3(profile.minTestAcc)}; the reference reached ${f3(profile.referenceTestAcc)})`;
  const verdict = !falls
    ? {
        ok: false as const,
        status: 'failed' as const,
        line: `${what}: the training loss did not fall (${f3(first.trainLoss)} → ${f3(last.trainLoss)}); ${threshold}`,
      }
    : last.testAcc < profile.minTestAcc
      ? { ok: false as const, status: 'failed' as const, line: `${what}: ${threshold} is below the threshold` }
      : { ok: true as const, line: `${what}: loss ${f3(first.trainLoss)} → ${f3(last.trainLoss)}, ${threshold}` };
  return combine([verdict], verdict.line, { curve, lines });
}
