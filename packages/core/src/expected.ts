// The expectations the checks compare against, generated from each assignment's reference by the
// authoring step, `pnpm assign` (public: assignments/<name>/checks/expected.json; hidden:
// assignments/<name>/instructor/expected.json). Grading never needs the reference solution itself.
import { z } from 'zod';
import { CaseArg, readJsonFile } from './manifest.ts';

const Shape = z.array(z.number().int());
const Totals = z.strictObject({ trainable: z.number().int(), total: z.number().int() });
/** [kind, trainable, total] per layer with weights, in block order (packages/core/src/analysis/canonical.ts). */
const Rows = z.array(z.tuple([z.string(), z.number().int(), z.number().int()]));
/**
 * The reference's counts in canonical form (conv bias and a projection's BN are conventions, not counted),
 * and what its conv biases and a BN on each projection would add: the reference as a student wrote it.
 */
const Canonical = z.strictObject({ ...Totals.shape, rows: Rows, convBias: Totals, projectionBn: Totals });
const Kinds = z.array(z.string());
const BlockSignature = z.strictObject({ branch: Kinds, shortcut: Kinds, after: Kinds });

/** A block call as the manifest gives it: target(tf.input({ shape: input }), ...args). */
export const BlockCase = z.strictObject({ input: Shape, args: z.array(CaseArg) });
export type BlockCase = z.infer<typeof BlockCase>;
/** A network call: target(...args). */
export const NetCase = z.strictObject({ args: z.array(CaseArg) });
export type NetCase = z.infer<typeof NetCase>;

export const BlockShapes = z.strictObject({
  kind: z.literal('block-shapes'),
  cases: z.array(BlockCase.extend({ output: Shape })),
});
export const BlockParams = z.strictObject({
  kind: z.literal('block-params'),
  cases: z.array(BlockCase.extend({ reference: Canonical })),
});
export const BlockStructure = z.strictObject({
  kind: z.literal('block-structure'),
  cases: z.array(BlockCase.extend(BlockSignature.shape)),
});
/** A network by layer kind: stem, runs of identical blocks (count, signature), head. */
export const NetStructure = z.strictObject({
  kind: z.literal('net-structure'),
  cases: z.array(
    NetCase.extend({
      stem: Kinds,
      blocks: z.array(BlockSignature.extend({ count: z.number().int().min(1) })),
      head: Kinds,
    }),
  ),
});
export const BlockIdentity = z.strictObject({
  kind: z.literal('block-identity'),
  case: BlockCase,
  expect: z.enum(['relu', 'identity']),
});
export const NetShapes = z.strictObject({
  kind: z.literal('net-shapes'),
  cases: z.array(
    NetCase.extend({
      stem: Shape,
      stages: z.array(z.strictObject({ blocks: z.number().int(), shape: Shape })),
      output: Shape,
    }),
  ),
});
export const NetParams = z.strictObject({
  kind: z.literal('net-params'),
  cases: z.array(NetCase.extend({ reference: Canonical })),
});
export const NetBuilds = z.strictObject({ kind: z.literal('net-builds'), cases: z.array(NetCase) });
export const BlockBuilds = z.strictObject({ kind: z.literal('block-builds'), cases: z.array(BlockCase) });
export const TrainingProfile = z.strictObject({
  inputShape: Shape,
  resize: z.number().int().optional(),
  subset: z.enum(['embedded', 'full']),
  batchSize: z.number().int(),
  numEpochs: z.number().int(),
  lr: z.number(),
  maxBatchesPerEpoch: z.number().int().optional(),
  /** Pass when the final test accuracy reaches this (reference's run minus the margin). */
  minTestAcc: z.number(),
  referenceTestAcc: z.number(),
  margin: z.number(),
});
export const Training = z.strictObject({
  kind: z.literal('training'),
  profiles: z.strictObject({ 'cpu-small': TrainingProfile, 'gpu-long': TrainingProfile }),
});
export type TrainingProfile = z.infer<typeof TrainingProfile>;

/** A type-check check compares with nothing: the target's file type-checks or it does not. */
export const Typecheck = z.strictObject({ kind: z.literal('typecheck') });

export const CheckExpectation = z.discriminatedUnion('kind', [
  BlockBuilds,
  BlockShapes,
  BlockParams,
  BlockStructure,
  BlockIdentity,
  NetBuilds,
  NetShapes,
  NetParams,
  NetStructure,
  Training,
  Typecheck,
]);
export type CheckExpectation = z.infer<typeof CheckExpectation>;

export const ExpectedFile = z.strictObject({
  generatedBy: z.string(),
  checks: z.record(z.string(), CheckExpectation),
});
export type ExpectedFile = z.infer<typeof ExpectedFile>;

export function loadExpected(file: string): ExpectedFile {
  const parsed = ExpectedFile.safeParse(readJsonFile(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${file}: field '${issue?.path.join('.')}': ${issue?.message}; regenerate it with \`npx pnpm@10 assign\``,
    );
  }
  return parsed.data;
}
