// The published parameter counts (docs/design.md, "Reference anchors"): 13 numbers, each exactly.

import { summary } from '@course/d2l';
import { describe, expect, it } from 'vitest';
import { buildArch } from './archs.ts';
import { skipWithoutExerciseBodies } from './test-exercise-bodies.ts';

skipWithoutExerciseBodies('anchors.test.ts');

interface Anchor {
  arch: string;
  preset: 'd2l' | 'torchvision' | 'keras';
  trainable?: number;
  total?: number;
  /** BN moving statistics, from ANCHORS.md: checked too, as they tie trainable to total. */
  nonTrainable: number;
}

const ANCHORS: Anchor[] = [
  { arch: 'resnet18', preset: 'd2l', trainable: 11_178_378, total: 11_186_186, nonTrainable: 7_808 },
  { arch: 'resnet18', preset: 'torchvision', trainable: 11_689_512, nonTrainable: 9_600 },
  { arch: 'resnet34', preset: 'torchvision', trainable: 21_797_672, nonTrainable: 17_024 },
  { arch: 'resnet50', preset: 'torchvision', trainable: 25_557_032, nonTrainable: 53_120 },
  { arch: 'resnet101', preset: 'torchvision', trainable: 44_549_160, nonTrainable: 105_344 },
  { arch: 'resnet152', preset: 'torchvision', trainable: 60_192_808, nonTrainable: 151_424 },
  { arch: 'resnet50', preset: 'keras', total: 25_636_712, nonTrainable: 53_120 },
  { arch: 'resnet101', preset: 'keras', total: 44_707_176, nonTrainable: 105_344 },
  { arch: 'resnet152', preset: 'keras', total: 60_419_944, nonTrainable: 151_424 },
  { arch: 'preact-resnet50', preset: 'keras', total: 25_613_800, nonTrainable: 45_440 },
  { arch: 'preact-resnet101', preset: 'keras', total: 44_675_560, nonTrainable: 97_664 },
  { arch: 'preact-resnet152', preset: 'keras', total: 60_380_648, nonTrainable: 143_744 },
];

describe('reference anchors', () => {
  it('lists the 13 published numbers', () => {
    const numbers = ANCHORS.flatMap((a) => [a.trainable, a.total]).filter((n) => n !== undefined);
    expect(numbers).toHaveLength(13);
  });

  for (const anchor of ANCHORS) {
    it(`${anchor.arch} (${anchor.preset})`, () => {
      const model = buildArch(anchor.arch, { preset: anchor.preset, weights: 'zeros' });
      try {
        const s = summary(model);
        if (anchor.trainable !== undefined) expect(s.trainableParams).toBe(anchor.trainable);
        if (anchor.total !== undefined) expect(s.totalParams).toBe(anchor.total);
        expect(s.nonTrainableParams).toBe(anchor.nonTrainable);
        expect(model.countParams()).toBe(s.totalParams);
      } finally {
        model.dispose();
      }
    });
  }
});
