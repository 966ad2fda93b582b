// Check 5, "nested function classes": zero the last layer of the residual branch in the rebuilt block;
// a post-activation block must then compute relu(x), a pre-activation block exactly x.

import { canonicalize, readBlock, seedWeights } from '@course/core';
import * as tf from '@tensorflow/tfjs';
import { blockKey, describeBlockCase } from '../items.ts';
import { type CaseVerdict, type CheckRunner, combine, modelOr, sameShape } from './context.ts';

const TOLERANCE = 1e-5;

export const identityCheck: CheckRunner = async (check, expected, ctx) => {
  if (expected.kind !== 'block-identity')
    throw new Error(`${check.id}: an identity check needs block-identity data, got ${expected.kind}`);
  const fn = check.target;
  const k = expected.case;
  const what = describeBlockCase(fn, k);
  const got = modelOr(ctx, blockKey(fn, k), what);
  if (!('model' in got)) return combine([got], '');
  const model = got.model;
  const block = readBlock(canonicalize(model));
  if ('error' in block) return combine([{ ok: false, status: 'failed', line: `${what}: ${block.error}` }], '');
  const lastName = block.branchLayers.at(-1);
  const last = lastName === undefined ? undefined : model.getLayer(lastName);
  if (!last)
    return combine(
      [{ ok: false, status: 'failed', line: `${what}: the residual branch has no layer with weights` }],
      '',
    );
  seedWeights(model, ctx.seed);
  // Zero the trainable weights (kernel and bias, or BN's gamma and beta); BN's moving statistics stay.
  const trainable = new Set(last.trainableWeights.map((w) => w.name));
  const values = last
    .getWeights()
    .map((w, i) => (trainable.has(last.weights[i]?.name ?? '') ? tf.zerosLike(w) : w.clone()));
  last.setWeights(values);
  tf.dispose(values);
  // Read asynchronously: the webgpu backend has no synchronous read under Node.
  const { shape, errors } = tf.tidy(() => {
    const x = tf.randomNormal([2, ...k.input], 0, 1, 'float32', ctx.seed);
    const y = model.predict(x) as tf.Tensor;
    if (!sameShape(y.shape, x.shape)) return { shape: y.shape, errors: undefined };
    const maxError = (want: tf.Tensor) => tf.max(tf.abs(tf.sub(y, want)));
    const want = expected.expect === 'relu' ? tf.relu(x) : x;
    return { shape: y.shape, errors: tf.stack([maxError(want), maxError(tf.relu(x))]) };
  });
  const [diff = Number.NaN, relu = Number.NaN] = errors ? await errors.data() : [];
  errors?.dispose();
  const verdict = ((): CaseVerdict => {
    if (!errors)
      return {
        ok: false,
        status: 'failed',
        line: `${what}: output shape [${shape}] differs from the input's [${[2, ...k.input]}]`,
      };
    if (diff <= TOLERANCE)
      return {
        ok: true,
        line: `${what}: with '${last.name}' zeroed, the block computes ${expected.expect === 'relu' ? 'relu(x)' : 'x'} (max error ${diff.toExponential(1)})`,
      };
    const cause =
      expected.expect === 'identity' && relu <= TOLERANCE
        ? 'it computes relu(x): remove the activation after the addition'
        : expected.expect === 'relu'
          ? 'it does not compute relu(x): the shortcut must carry x unchanged and the ReLU come after the addition'
          : 'it does not return x: the shortcut must carry x unchanged and nothing may follow the addition';
    return {
      ok: false,
      status: 'failed',
      line: `${what}: with '${last.name}' (the branch's last layer) zeroed, ${cause} (max error ${diff.toExponential(2)})`,
    };
  })();
  return combine(
    [verdict],
    `with the branch zeroed the block computes ${expected.expect === 'relu' ? 'relu(x)' : 'x'}`,
  );
};
