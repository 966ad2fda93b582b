// What the grader asks the sandboxed child to build, and what it accepts back. The child is untrusted:
// its replies are parsed here with zod, and only a topology (model.toJSON) can come out of it.

import type { CaseArg, NetStep } from '@course/core';
import { z } from 'zod';

/**
 * One model the child builds, as the manifest describes it: a block called on `tf.input({ shape: input })`
 * and wrapped in tf.model, a network builder's model, or the small training net around a block.
 */
export type BuildItem =
  | { key: string; kind: 'block'; fn: string; input: number[]; args: CaseArg[] }
  | { key: string; kind: 'network'; fn: string; args: CaseArg[] }
  | { key: string; kind: 'trainnet'; fn: string; input: number[]; net: NetStep[] };

/** Largest reply accepted from the child, in characters of JSON (a ResNet-152 topology is well under 1 MB). */
export const MAX_REPLY_CHARS = 20 * 1024 * 1024;

export const ChildReply = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('built'), key: z.string(), topology: z.record(z.string(), z.unknown()) }),
  z.strictObject({
    type: z.literal('failed'),
    key: z.string(),
    reason: z.enum(['exception', 'not-a-tensor', 'not-a-model', 'missing-export']),
    message: z.string().max(2000),
    frames: z.array(z.string().max(500)).max(20),
  }),
  z.strictObject({
    type: z.literal('load-failed'),
    message: z.string().max(2000),
    frames: z.array(z.string().max(500)).max(20),
  }),
]);
export type ChildReply = z.infer<typeof ChildReply>;
