// What the grader asks the sandboxed child to build, and what it accepts back. The child is untrusted:
// its replies are parsed here with zod, and only a topology (model.toJSON) can come out of it.
import { z } from 'zod';

export const BlockOptionsSchema = z.strictObject({
  strides: z.number().int().optional(),
  use1x1conv: z.boolean().optional(),
});
export type BlockOptions = z.infer<typeof BlockOptionsSchema>;

export const NetOptionsSchema = z.strictObject({
  inputShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]).optional(),
  numClasses: z.number().int().optional(),
});
export type NetOptions = z.infer<typeof NetOptionsSchema>;

/** One model the child builds: a block wrapped in tf.model, a whole network, or the small training net. */
export type BuildItem =
  | {
      key: string;
      kind: 'block';
      fn: 'bottleneck' | 'preactResidual';
      inputShape: number[];
      numChannels: number;
      options: BlockOptions;
    }
  | { key: string; kind: 'net'; fn: 'bottleneckResnet'; depth: 50 | 101 | 152; options: NetOptions }
  | { key: string; kind: 'net'; fn: 'preactResnet18'; options: NetOptions }
  | { key: string; kind: 'trainnet'; fn: 'bottleneck' | 'preactResidual'; inputShape: number[] };

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
