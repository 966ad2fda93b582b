// The lab's reference (instructor/solution/resnet.ts, the student API) must reproduce the chapter's
// published anchors and agree, layer for layer, with the reference package's chapter code
// (@course/resnet: chapter.ts for the chapter, the Table-1 family for ResNet-34), which is written
// independently under the d2l preset.
import { layerShapes, summary } from '@course/d2l';
import {
  residual as chapterResidual,
  resnet18 as chapterResnet18,
  resnetBlock as chapterResnetBlock,
  resnet as family,
  PRESETS,
} from '@course/resnet';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import * as solution from './solution/resnet.ts';

afterEach(() => {
  tf.disposeVariables();
});

type T = tf.SymbolicTensor;

function blockModel(block: (x: T) => T, shape: number[]): tf.LayersModel {
  const input = tf.input({ shape });
  return tf.model({ inputs: input, outputs: block(input) });
}

/** The batch shape a real forward pass gives (not the symbolic shape), so the layers really compute it. */
function forwardShape(model: tf.LayersModel, batchShape: number[]): number[] {
  return tf.tidy(() => (model.predict(tf.randomUniform(batchShape)) as tf.Tensor).shape);
}

/** ReLU as a layer or as activation('relu'): the same function, and both are accepted. */
function kind(layer: tf.layers.Layer): string {
  const config = layer.getConfig() as { activation?: string };
  return layer.getClassName() === 'Activation' && config.activation === 'relu' ? 'ReLU' : layer.getClassName();
}

/** Layer kinds, shapes and counts in topological order; names differ (auto vs the chapter's) and are left out. */
function layout(model: tf.LayersModel) {
  const s = summary(model);
  return {
    rows: s.rows.map((r, i) => [kind(model.layers[i]!), JSON.stringify(r.outputShape), r.params]),
    trainable: s.trainableParams,
    total: s.totalParams,
  };
}

/**
 * The seed's listing of ResNet-18's top-level layers for an input of `batchShape`: the four stem
 * layers, each stage's output (the ReLU after its last addition) and the two head layers.
 */
function stageListing(model: tf.LayersModel, batchShape: number[]): Array<[string, number[]]> {
  const rows = layerShapes(model, batchShape).filter((r) => r.className !== 'InputLayer');
  const byLayer = new Map(model.layers.map((l) => [l.name, l]));
  const blockOutputs = rows.filter((r) => {
    const inbound = byLayer.get(r.name)?.inboundNodes[0]?.inboundLayers ?? [];
    return r.className === 'ReLU' && inbound.length === 1 && inbound[0]?.getClassName() === 'Add';
  });
  // A stage ends where the next block's output has another shape (or at the last block).
  const stageEnds = blockOutputs.filter(
    (r, i) => JSON.stringify(r.shape) !== JSON.stringify(blockOutputs[i + 1]?.shape),
  );
  const picked = [...rows.slice(0, 4), ...stageEnds, ...rows.slice(-2)];
  return picked.map((r) => [r.className, r.shape as number[]]);
}

describe('the chapter anchors (docs/design.md, NHWC)', () => {
  it('Residual(3) keeps [4, 6, 6, 3]', () => {
    expect(
      forwardShape(
        blockModel((x) => solution.residual(x, 3), [6, 6, 3]),
        [4, 6, 6, 3],
      ),
    ).toEqual([4, 6, 6, 3]);
  });

  it('Residual(6, use1x1conv, strides 2) gives [4, 3, 3, 6]', () => {
    const model = blockModel((x) => solution.residual(x, 6, { use1x1conv: true, strides: 2 }), [6, 6, 3]);
    expect(forwardShape(model, [4, 6, 6, 3])).toEqual([4, 3, 3, 6]);
  });

  it("ResNet-18 has the chapter's 11,178,378 trainable and 11,186,186 parameters in all", () => {
    const s = summary(solution.resnet18());
    expect(s.trainableParams).toBe(11_178_378);
    expect(s.totalParams).toBe(11_186_186);
  });

  it('lists the seed shapes for a [1, 224, 224, 1] input', () => {
    const model = solution.resnet18({ inputShape: [224, 224, 1] });
    expect(stageListing(model, [1, 224, 224, 1])).toEqual([
      ['Conv2D', [1, 112, 112, 64]],
      ['BatchNormalization', [1, 112, 112, 64]],
      ['ReLU', [1, 112, 112, 64]],
      ['MaxPooling2D', [1, 56, 56, 64]],
      ['ReLU', [1, 56, 56, 64]],
      ['ReLU', [1, 28, 28, 128]],
      ['ReLU', [1, 14, 14, 256]],
      ['ReLU', [1, 7, 7, 512]],
      ['GlobalAveragePooling2D', [1, 512]],
      ['Dense', [1, 10]],
    ]);
  });

  it('defaults to a [96, 96, 1] input and 10 classes, and honours NetOptions', () => {
    for (const build of [solution.resnet18, solution.resnet34]) {
      const model = build();
      expect(model.inputs[0]!.shape).toEqual([null, 96, 96, 1]);
      expect(model.outputs[0]!.shape).toEqual([null, 10]);
      const custom = build({ inputShape: [64, 64, 3], numClasses: 5 });
      expect(custom.inputs[0]!.shape).toEqual([null, 64, 64, 3]);
      expect(custom.outputs[0]!.shape).toEqual([null, 5]);
    }
  });

  it('runs a forward pass at a small resolution', () => {
    expect(forwardShape(solution.resnet18({ inputShape: [32, 32, 1] }), [2, 32, 32, 1])).toEqual([2, 10]);
  });

  it('ResNet-34 holds Table 1 basic blocks [3, 4, 6, 3] at widths 64, 128, 256, 512', () => {
    const model = solution.resnet34();
    const adds = model.layers.filter((l) => l.getClassName() === 'Add');
    const widths = adds.map((l) => (l.outputShape as number[])[3]);
    expect(widths).toEqual([64, 64, 64, 128, 128, 128, 128, 256, 256, 256, 256, 256, 256, 512, 512, 512]);
  });
});

describe('the nested-function-class property', () => {
  it('with the last BN of the branch zeroed, an identity-shortcut block computes relu(x)', () => {
    const model = blockModel((x) => solution.residual(x, 4), [5, 5, 4]);
    const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    const last = bns.at(-1)!;
    // gamma and beta zeroed: the branch adds exactly 0.
    last.setWeights(last.getWeights().map((w, i) => (i < 2 ? tf.zerosLike(w) : w)));
    const x = tf.randomNormal([2, 5, 5, 4]);
    const diff = tf.tidy(
      () =>
        tf
          .sub(model.predict(x) as tf.Tensor, tf.relu(x))
          .abs()
          .max()
          .dataSync()[0],
    );
    expect(diff).toBe(0);
  });
});

describe('solution vs @course/resnet (d2l preset)', () => {
  const CASES = [
    { shape: [6, 6, 3], numChannels: 3, options: {} },
    { shape: [6, 6, 3], numChannels: 6, options: { use1x1conv: true, strides: 2 } },
    { shape: [8, 8, 4], numChannels: 8, options: { use1x1conv: true } },
  ];

  it.each(CASES)('residual %o', ({ shape, numChannels, options }) => {
    expect(layout(blockModel((x) => solution.residual(x, numChannels, options), shape))).toEqual(
      layout(blockModel((x) => chapterResidual(x, numChannels, options), shape)),
    );
  });

  it.each([
    { shape: [14, 14, 64], numChannels: 64, numResiduals: 2, firstBlock: true },
    { shape: [14, 14, 64], numChannels: 128, numResiduals: 3, firstBlock: false },
  ])('resnetBlock %o', ({ shape, numChannels, numResiduals, firstBlock }) => {
    expect(layout(blockModel((x) => solution.resnetBlock(x, numChannels, numResiduals, firstBlock), shape))).toEqual(
      layout(blockModel((x) => chapterResnetBlock(x, numChannels, numResiduals, { firstBlock }), shape)),
    );
  });

  it('resnet18 is chapter.ts resnet18', () => {
    expect(layout(solution.resnet18())).toEqual(layout(chapterResnet18()));
  });

  it('resnet34 is the Table-1 family resnet(34)', () => {
    const options = { inputShape: [64, 64, 3] as [number, number, number], numClasses: 7 };
    expect(layout(solution.resnet34(options))).toEqual(layout(family(34, { ...options, preset: PRESETS.d2l })));
  });
});
