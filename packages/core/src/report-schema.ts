// The grade report: the one object every reporter (text, json, gradescope, junit, markdown, html) and
// the batch gradebook are written from. It crosses process and file boundaries, so it is a schema.
import { z } from 'zod';

export const CheckStatus = z.enum(['passed', 'failed', 'error', 'skipped']);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const Visibility = z.enum(['visible', 'hidden', 'after_due_date', 'after_published']);
export type Visibility = z.infer<typeof Visibility>;

/** One point of a training curve. */
export const CurvePoint = z.object({
  epoch: z.number(),
  trainLoss: z.number(),
  trainAcc: z.number().optional(),
  testAcc: z.number().optional(),
});
export type CurvePoint = z.infer<typeof CurvePoint>;

/** A residual branch's layer kinds, expected vs found, for side-by-side display. */
export const BranchComparison = z.object({
  block: z.string(),
  expected: z.array(z.string()),
  found: z.array(z.string()),
});
export type BranchComparison = z.infer<typeof BranchComparison>;

export const CheckResult = z.object({
  /** Stable id, e.g. "bottleneck.shapes". */
  id: z.string(),
  /** Task id this check belongs to, e.g. "ex3-bottleneck". */
  task: z.string(),
  title: z.string(),
  status: CheckStatus,
  score: z.number().min(0),
  maxScore: z.number().min(0),
  /** One line (or a few) a student can act on. */
  message: z.string(),
  visibility: Visibility,
  details: z
    .object({
      /** Free-form lines (expected/found tables, the convention matched, ...). */
      lines: z.array(z.string()).optional(),
      branches: z.array(BranchComparison).optional(),
      curve: z.array(CurvePoint).optional(),
      convention: z.string().optional(),
    })
    .optional(),
  durationMs: z.number().min(0),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const TaskResult = z.object({
  id: z.string(),
  title: z.string(),
  exercise: z.number().int(),
  kind: z.enum(['auto', 'manual']),
  /** 'manual-pending' for written exercises graded by a person. */
  status: z.enum(['graded', 'manual-pending']),
  score: z.number().min(0),
  maxScore: z.number().min(0),
});
export type TaskResult = z.infer<typeof TaskResult>;

export const SandboxLimits = z.object({
  timeoutMs: z.number(),
  heapMb: z.number(),
  /** RLIMIT_DATA of each child (heap plus array buffers), when the OS allows setting it. */
  dataMb: z.number().optional(),
  permissionModel: z.boolean(),
  /** How the network was cut off: a fresh namespace, or not at all (with the reason). */
  network: z.string(),
});
export type SandboxLimits = z.infer<typeof SandboxLimits>;

/** One TypeScript error in a student file, as the student knows it (file relative to the submission). */
export const TypeErrorEntry = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  code: z.number().int(),
  /** The compiler's message, or its cause and fix where grader/src/causes.ts knows it. */
  message: z.string(),
  /** The student's source line, with a caret under the column. */
  excerpt: z.array(z.string()),
});
export type TypeErrorEntry = z.infer<typeof TypeErrorEntry>;

export const GradeReport = z.object({
  schemaVersion: z.literal(1),
  graderVersion: z.string(),
  assignment: z.string(),
  submission: z.object({
    path: z.string(),
    /** sha256 over exactly the files that were graded (grader/src/intake.ts). */
    hash: z.string(),
    /** Entries refused at intake (links, FIFOs, devices, oversized files), one line each. */
    refused: z.array(z.string()).optional(),
  }),
  score: z.number().min(0),
  maxScore: z.number().min(0),
  backend: z.object({ name: z.string(), device: z.string(), skipped: z.array(z.string()) }),
  /** Which training configuration ran: 'cpu-small' or 'gpu-long'. */
  trainingProfile: z.string(),
  seed: z.number().int(),
  hiddenIncluded: z.boolean(),
  limits: SandboxLimits,
  tasks: z.array(TaskResult),
  checks: z.array(CheckResult),
  /**
   * The type errors of the student files that were bundled, each once (absent when there are none): they
   * are reported, and cost points only through a `typecheck` check of the manifest. `shown` is bounded;
   * `total` counts them all.
   */
  typeErrors: z.object({ total: z.number().int().min(1), shown: z.array(TypeErrorEntry) }).optional(),
  startedAt: z.string(),
  durationMs: z.number().min(0),
});
export type GradeReport = z.infer<typeof GradeReport>;
