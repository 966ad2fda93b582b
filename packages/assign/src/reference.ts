// The reference solution of an assignment, called exactly as the grader's sandboxed runner calls a
// student's code (grader/src/sandbox/runner.ts): a block on `tf.input({ shape: input })` wrapped in
// tf.model, a network builder on its args. The authoring step computes expected data from these models.
import { join } from 'node:path';
import type { Assignment, ManifestCase } from '@course/core';
import * as tf from '@tensorflow/tfjs';

type Fn = (...args: unknown[]) => unknown;
export type ReferenceModule = Record<string, unknown>;

/** The reference's exports, one module per student file, merged (function names are unique per assignment). */
export async function loadReference(assignment: Assignment): Promise<ReferenceModule> {
  const modules = await Promise.all(
    [...new Set(Object.values(assignment.manifest.functions).map((f) => f.file))].map(
      (file) => import(join(assignment.reference, file)) as Promise<ReferenceModule>,
    ),
  );
  return Object.assign({}, ...modules) as ReferenceModule;
}

/** Build the model one case asks for, from `module` (the reference, or a convention variant of it). */
export function buildCase(
  assignment: Assignment,
  module: ReferenceModule,
  target: string,
  k: ManifestCase,
): tf.LayersModel {
  const fn = assignment.manifest.functions[target];
  const f = module[target];
  if (!fn || typeof f !== 'function') throw new Error(`the reference of ${assignment.name} does not export ${target}`);
  if (fn.kind === 'network') return (f as Fn)(...k.args) as tf.LayersModel;
  const input = tf.input({ shape: k.input ?? [] });
  return tf.model({ inputs: input, outputs: (f as Fn)(input, ...k.args) as tf.SymbolicTensor });
}

/** Run `f` on a model, then free every weight (ResNet-152's are ~230 MB). */
export function withModel<R>(model: tf.LayersModel, f: (m: tf.LayersModel) => R): R {
  try {
    return f(model);
  } finally {
    tf.disposeVariables();
  }
}
