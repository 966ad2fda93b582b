// Beyond the counts: the presets reproduce their sources' layer sets and shapes.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { archSummary } from './arch-summary.ts';
import { buildArch } from './archs.ts';
import { getPreset, hasBias } from './presets.ts';
import { skipWithoutExerciseBodies } from './test-exercise-bodies.ts';

skipWithoutExerciseBodies('presets.test.ts');

afterEach(() => {
  tf.disposeVariables();
});

function layerSet(arch: string) {
  const model = buildArch(arch, { preset: 'keras', weights: 'zeros' });
  const classes: Record<string, number> = {};
  for (const l of model.layers) classes[l.getClassName()] = (classes[l.getClassName()] ?? 0) + 1;
  const names = new Set(model.layers.map((l) => l.name));
  const total = model.layers.length;
  model.dispose();
  return { classes, names, total };
}

describe('keras preset', () => {
  it("is Keras Applications' ResNet50 layer set (177 layers, stride on the first 1×1)", () => {
    const { classes, names, total } = layerSet('resnet50');
    expect(total).toBe(177);
    expect(classes).toMatchObject({ Conv2D: 53, BatchNormalization: 53, Add: 16, ZeroPadding2D: 2 });
    for (const n of [
      'conv1_pad',
      'conv1_conv',
      'pool1_pool',
      'conv2_block1_0_conv',
      'conv5_block3_out',
      'predictions',
    ]) {
      expect(names).toContain(n);
    }
  });

  it("is Keras Applications' ResNet50V2 layer set (preact BN shared with the shortcut, post_bn)", () => {
    const { classes, names } = layerSet('preact-resnet50');
    expect(classes).toMatchObject({ Conv2D: 53, BatchNormalization: 49, Add: 16 });
    for (const n of ['conv2_block1_preact_bn', 'conv2_block3_2_pad', 'conv4_block6_out', 'post_bn', 'post_relu']) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('conv1_bn');
  });
});

describe('torchvision preset', () => {
  it('pads like PyTorch and keeps its 224-px shapes', () => {
    const s = archSummary('resnet50', { preset: 'torchvision' });
    const shapes = Object.fromEntries(
      s.listing.split('\n').map((l) => {
        const [name, shape] = l.split(' output shape:');
        return [name!.trim(), JSON.parse(shape!.trim())];
      }),
    );
    expect(shapes).toMatchObject({
      stem_conv: [1, 112, 112, 64],
      stem_pool: [1, 56, 56, 64],
      stage1: [1, 56, 56, 256],
      stage2: [1, 28, 28, 512],
      stage3: [1, 14, 14, 1024],
      stage4: [1, 7, 7, 2048],
      dense: [1, 1000],
    });
  });
});

describe('presets', () => {
  it('name the bias rule each source follows', () => {
    expect([
      hasBias('always', true),
      hasBias('never', false),
      hasBias('unless-bn', true),
      hasBias('unless-bn', false),
    ]).toEqual([true, false, false, true]);
  });

  it('reject an unknown name with the known ones', () => {
    expect(() => getPreset('caffe')).toThrow("unknown preset 'caffe'; use one of: d2l, torchvision, keras");
  });
});
