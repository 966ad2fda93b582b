// The chapter's thesis, numerically: a residual block can become the identity (up to the final
// ReLU) by zeroing its last layer, and a pre-activation block becomes exactly the identity.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { residual } from './chapter.ts';
import type { T } from './layers.ts';
import { preactBottleneck, preactResidual } from './preact-resnet.ts';
import { PRESETS } from './presets.ts';
import { bottleneck } from './resnet.ts';
import { skipWithoutExerciseBodies } from './test-exercise-bodies.ts';

skipWithoutExerciseBodies('thesis.test.ts');

afterEach(() => {
  tf.disposeVariables();
});

type Block = (x: T) => T;

/** A one-block model with its named layer's weights set to zero, and a random input for it. */
function zeroed(block: Block, layerName: string, shape: [number, number, number]) {
  const input = tf.input({ shape });
  const model = tf.model({ inputs: input, outputs: block(input) });
  const layer = model.getLayer(layerName);
  // A BatchNorm keeps its moving statistics: only its scale and shift (weights 0 and 1) go to zero.
  const keep = layer.getClassName() === 'BatchNormalization' ? 2 : 0;
  layer.setWeights(layer.getWeights().map((w, i) => (keep > 0 && i >= keep ? w : tf.zerosLike(w))));
  // Negative values too, so that a ReLU after the addition would show.
  const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', 7);
  const y = model.predict(x) as tf.Tensor;
  return { x, y };
}

describe('residual blocks contain the identity', () => {
  for (const preset of Object.values(PRESETS)) {
    it(`basic block, last BN scale and shift zero → relu(x) (${preset.name})`, () => {
      const { x, y } = zeroed((t) => residual(t, 4, { preset, name: 'b' }), 'b_2_bn', [6, 6, 4]);
      expect(tf.max(tf.abs(tf.sub(y, tf.relu(x)))).dataSync()[0]).toBeLessThan(1e-6);
      expect(tf.min(x).dataSync()[0]).toBeLessThan(0);
    });

    it(`bottleneck block, last BN zero → relu(x) (${preset.name})`, () => {
      const { x, y } = zeroed((t) => bottleneck(t, 2, { preset, name: 'b' }), 'b_3_bn', [6, 6, 8]);
      expect(tf.max(tf.abs(tf.sub(y, tf.relu(x)))).dataSync()[0]).toBeLessThan(1e-6);
    });

    it(`pre-activation block, last conv zero → exactly x (${preset.name})`, () => {
      const { x, y } = zeroed((t) => preactResidual(t, 4, { preset, name: 'b' }), 'b_2_conv', [6, 6, 4]);
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    });

    it(`pre-activation bottleneck, last conv zero → exactly x (${preset.name})`, () => {
      const { x, y } = zeroed((t) => preactBottleneck(t, 2, { preset, name: 'b' }), 'b_3_conv', [6, 6, 8]);
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    });
  }

  it('an untouched block is not the identity (the checks above can fail)', () => {
    const input = tf.input({ shape: [6, 6, 4] });
    const model = tf.model({ inputs: input, outputs: preactResidual(input, 4) });
    const x = tf.randomNormal([2, 6, 6, 4], 0, 1, 'float32', 7);
    expect(tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, x))).dataSync()[0]).toBeGreaterThan(1e-3);
  });
});
