// Every published way of writing the exercises (variants.ts), as modules with the student API. The
// authoring step (`pnpm assign resnet`) fails unless each has the reference's canonical form, so a
// convention the grader would not accept shows up there, named, instead of in a student's grade.
import type { Convention as AssignConvention } from '@course/assign/expected';
import {
  bottleneckResnetVariant,
  bottleneckVariant,
  type Convention,
  NET_CONVENTIONS,
  preactResnet18Variant,
  preactVariant,
  CONVENTIONS as VARIANTS,
} from './variants.ts';

function moduleOf(c: Convention) {
  return {
    bottleneck: bottleneckVariant(c),
    bottleneckResnet: (depth: 50 | 101 | 152, options?: Parameters<typeof bottleneckResnetVariant>[2]) =>
      bottleneckResnetVariant(c, depth, options),
    preactResidual: preactVariant(c),
    preactResnet18: (options?: Parameters<typeof preactResnet18Variant>[1]) => preactResnet18Variant(c, options),
  };
}

export const CONVENTIONS: AssignConvention[] = VARIANTS.map((c) => ({
  name: c.name,
  module: moduleOf(c),
  networks: NET_CONVENTIONS.includes(c),
}));
