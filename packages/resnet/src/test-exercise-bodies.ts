// Test support. The family's residual, bottleneck and pre-activation bodies answer the labs' exercises
// (resnet-chapter's residual block and networks; resnet's exercises 3 and 4), so a student release
// replaces them with "not implemented yet" throws (docs/instructor/release.md). The tests that
// build those networks then skip, saying why, instead of turning the student's CI red.
import * as tf from '@tensorflow/tfjs';
import { beforeEach } from 'vitest';
import { residual } from './chapter.ts';
import { preactResidual } from './preact-resnet.ts';
import { bottleneck } from './resnet.ts';

export const STRIPPED_REASON =
  "this copy is a student release: the family's residual, bottleneck and pre-activation bodies are exercises, not included";

/** Whether the exercise bodies are here (false in a student release, where they throw). */
export function exerciseBodiesPresent(): boolean {
  try {
    const x = tf.input({ shape: [4, 4, 8] });
    residual(x, 8);
    bottleneck(x, 2);
    preactResidual(x, 8);
    return true;
  } catch (err) {
    if (/not implemented yet/.test((err as Error).message)) return false;
    throw err;
  }
}

/** Skips every test of the calling file when the exercise bodies are missing, and says so once. */
export function skipWithoutExerciseBodies(file: string): void {
  if (exerciseBodiesPresent()) return;
  console.log(`${file}: skipped: ${STRIPPED_REASON}`);
  beforeEach((ctx) => ctx.skip(STRIPPED_REASON));
}
