// Every published way of writing the exercises (variants.ts), as modules with the student API. The
// authoring step (`pnpm assign resnet`) fails unless each has the reference's canonical form, so a
// convention the grader would not accept shows up there, named, instead of in a student's grade.
import type { Convention } from '@course/assign';
import { exercisesIn, NET_CONVENTIONS, CONVENTIONS as PRESETS } from './variants.ts';

export const CONVENTIONS: Convention[] = PRESETS.map((preset) => ({
  name: preset.name,
  module: exercisesIn(preset),
  networks: NET_CONVENTIONS.includes(preset),
}));
