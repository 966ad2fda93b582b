// The assignment manifest: tasks, their checks, points, visibility and feedback. Instructors edit it by
// hand and the handout is rendered from it, so a mistake must come back as one line naming the field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Visibility } from './report-schema.ts';

export const CheckKind = z.enum(['builds', 'shapes', 'params', 'structure', 'identity', 'training', 'typecheck']);
export type CheckKind = z.infer<typeof CheckKind>;

/** A JSON value a case passes to a student function (numbers, strings, flags, option objects). */
export type CaseArg = number | string | boolean | null | CaseArg[] | { [key: string]: CaseArg };
export const CaseArg: z.ZodType<CaseArg> = z.lazy(() =>
  z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(CaseArg), z.record(z.string(), CaseArg)]),
);
const Shape = z.array(z.number().int().min(1)).min(1).max(4);

/**
 * How the grader calls a student function: a block takes a symbolic input first, `f(x, ...args)`, and
 * returns a symbolic tensor; a network builder is `f(...args)` and returns a tf.LayersModel.
 */
export const FunctionKind = z.enum(['block', 'network']);
export type FunctionKind = z.infer<typeof FunctionKind>;
export const ManifestFunction = z.strictObject({
  file: z.string().regex(/^[\w.-]+\.ts$/, 'a file name such as model.ts'),
  kind: FunctionKind,
});
export type ManifestFunction = z.infer<typeof ManifestFunction>;

/** One call of the target: a block gets `tf.input({ shape: input })` before `args`; a network only `args`. */
export const ManifestCase = z.strictObject({ input: Shape.optional(), args: z.array(CaseArg).max(8) });
export type ManifestCase = z.infer<typeof ManifestCase>;

/** One step of the training check's small network: a built-in tf.layers factory, or a call of the target block. */
export const NetStep = z.union([
  z.strictObject({
    layer: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'a tf.layers factory name such as conv2d'),
    config: z.record(z.string(), CaseArg).optional(),
  }),
  z.strictObject({ call: z.array(CaseArg).max(8) }),
]);
export type NetStep = z.infer<typeof NetStep>;

/** One line of a hand-graded task's rubric: ticked in the review page, its points added to the task's score. */
export const RubricItem = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  text: z.string().min(1),
  /** Negative for a deduction; the task's hand score is kept within 0..points. */
  points: z.number(),
});
export type RubricItem = z.infer<typeof RubricItem>;

/**
 * Late work: perDayPercent of the points earned is taken off per started day past `due` (after
 * graceMinutes); a submission more than cutoffDays late scores 0.
 */
export const LatePolicy = z.strictObject({
  perDayPercent: z.number().min(0).max(100),
  cutoffDays: z.number().min(0).optional(),
  graceMinutes: z.number().min(0).optional(),
});
export type LatePolicy = z.infer<typeof LatePolicy>;

export const ManifestTask = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  exercise: z.number().int().min(1),
  title: z.string().min(1),
  points: z.number().min(0),
  kind: z.enum(['auto', 'manual']),
  /** The student file the task lives in (auto tasks), relative to the submission folder. */
  file: z
    .string()
    .regex(/^[\w.-]+\.ts$/, 'a file name such as model.ts')
    .optional(),
  description: z.string().min(1),
  /** Manual tasks: what the grader ticks in `pnpm grade review`. */
  rubric: z.array(RubricItem).min(1).optional(),
});
export type ManifestTask = z.infer<typeof ManifestTask>;

export const ManifestCheck = z.strictObject({
  /** Stable id, e.g. "bottleneck.shapes"; expected.json is keyed by it. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'use lower-case letters, digits, dots and dashes'),
  task: z.string(),
  title: z.string().min(1),
  points: z.number().min(0),
  visibility: Visibility,
  kind: CheckKind,
  /** Which exported function the check exercises: a key of the manifest's `functions`. */
  target: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'an exported function name'),
  /** Shown to the student when the check does not pass: what to look at next. */
  feedback: z.string().min(1),
  /** The calls the check makes (every kind but training). */
  cases: z.array(ManifestCase).max(64).optional(),
  /** identity checks: what the block computes once its branch's last layer is zeroed. */
  expect: z.enum(['relu', 'identity']).optional(),
  /** training checks: the small network built around the target block. */
  net: z.array(NetStep).min(1).max(64).optional(),
});
export type ManifestCheck = z.infer<typeof ManifestCheck>;

export const Manifest = z.strictObject({
  $schema: z.string().optional(),
  assignment: z.string().min(1),
  title: z.string().min(1),
  /** The student workspace (stubs), relative to the assignment folder. */
  workspace: z.string().default('src'),
  /** The reference solution folder, relative to the assignment folder (instructor-only). */
  reference: z.string().default('instructor/solution'),
  /** The written answers' file in a submission, when the assignment has tasks graded by hand. */
  answers: z
    .string()
    .regex(/^[\w.-]+\.md$/, 'a Markdown file name such as written.md')
    .optional(),
  /** Every student function the grader calls, with its file and how it is called. */
  functions: z.record(z.string().regex(/^[A-Za-z_$][\w$]*$/, 'an exported function name'), ManifestFunction),
  tasks: z.array(ManifestTask).min(1),
  checks: z.array(ManifestCheck),
  /** The deadline, an ISO date-time with its offset (e.g. 2026-03-01T23:59:00+01:00). */
  due: z.iso.datetime({ offset: true }).optional(),
  latePolicy: LatePolicy.optional(),
});
export type Manifest = z.infer<typeof Manifest>;

/** Hidden checks live apart from the public manifest (assignments/<name>/instructor/), so a student release leaves them out. */
export const ManifestFragment = z.strictObject({
  checks: z.array(ManifestCheck.extend({ visibility: z.enum(['hidden', 'after_due_date', 'after_published']) })),
});
export type ManifestFragment = z.infer<typeof ManifestFragment>;

export class ManifestError extends Error {
  override name = 'ManifestError';
}

function where(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );
}

function parseWith<T>(schema: z.ZodType<T>, json: unknown, file: string): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? where(issue.path) || '(root)' : '(root)';
    throw new ManifestError(
      `${file}: field '${field}': ${issue?.message ?? 'invalid'}; fix the manifest and run again`,
    );
  }
  return parsed.data;
}

/** What a check of each kind needs from the manifest, and which function kinds it can exercise. */
const NEEDS: Record<CheckKind, { targets: readonly FunctionKind[]; cases: boolean }> = {
  builds: { targets: ['block', 'network'], cases: true },
  shapes: { targets: ['block', 'network'], cases: true },
  params: { targets: ['block', 'network'], cases: true },
  structure: { targets: ['block', 'network'], cases: true },
  identity: { targets: ['block'], cases: true },
  training: { targets: ['block'], cases: false },
  // The target function's file has no type error in that function, in a helper it uses, or at the top level.
  typecheck: { targets: ['block', 'network'], cases: false },
};

function checkCalls(
  check: ManifestCheck,
  at: string,
  task: ManifestTask,
  functions: Readonly<Record<string, ManifestFunction>>,
  file: string,
): void {
  const fail = (field: string, why: string) => {
    throw new ManifestError(`${file}: field '${at}${field}': ${why}`);
  };
  const fn = functions[check.target];
  if (!fn)
    fail('.target', `no function '${check.target}' in 'functions' (known: ${Object.keys(functions).join(', ')})`);
  const f = fn as ManifestFunction;
  if (task.file && f.file !== task.file)
    fail('.target', `'${check.target}' lives in ${f.file}, but task '${task.id}' grades ${task.file}`);
  const needs = NEEDS[check.kind];
  if (!needs.targets.includes(f.kind))
    fail(
      '.target',
      `a ${check.kind} check needs a ${needs.targets.join(' or ')} function; '${check.target}' is a ${f.kind}`,
    );
  if (needs.cases && !check.cases?.length) fail('.cases', `a ${check.kind} check needs at least one case`);
  if (!needs.cases && check.cases) fail('.cases', `a ${check.kind} check takes no cases`);
  for (const [j, k] of (check.cases ?? []).entries()) {
    if (f.kind === 'block' && !k.input)
      fail(`.cases[${j}].input`, 'a block case needs the input shape (without batch)');
    if (f.kind === 'network' && k.input) fail(`.cases[${j}].input`, 'a network case takes only args');
  }
  if (check.kind === 'identity' && (!check.expect || check.cases?.length !== 1))
    fail('.expect', "an identity check needs one case and 'expect' (relu or identity)");
  if (check.kind !== 'identity' && check.expect) fail('.expect', 'only identity checks take expect');
  if (check.kind === 'training' && !check.net?.some((s) => 'call' in s))
    fail('.net', 'a training check needs a net that calls the target at least once');
  if (check.kind !== 'training' && check.net) fail('.net', 'only training checks take a net');
}

function crossCheck(
  tasks: readonly ManifestTask[],
  checks: readonly ManifestCheck[],
  functions: Readonly<Record<string, ManifestFunction>>,
  file: string,
): void {
  const taskIds = new Set<string>();
  for (const [i, task] of tasks.entries()) {
    if (taskIds.has(task.id))
      throw new ManifestError(`${file}: field 'tasks[${i}].id': duplicate task id '${task.id}'`);
    taskIds.add(task.id);
    if (task.kind === 'auto' && !task.file)
      throw new ManifestError(`${file}: field 'tasks[${i}].file': an auto task needs the student file it grades`);
    if (task.rubric && task.kind !== 'manual')
      throw new ManifestError(`${file}: field 'tasks[${i}].rubric': only a task graded by hand has a rubric`);
    const itemIds = new Set<string>();
    for (const [j, item] of (task.rubric ?? []).entries()) {
      if (itemIds.has(item.id))
        throw new ManifestError(`${file}: field 'tasks[${i}].rubric[${j}].id': duplicate rubric item '${item.id}'`);
      itemIds.add(item.id);
    }
  }
  const checkIds = new Set<string>();
  for (const [i, check] of checks.entries()) {
    if (checkIds.has(check.id))
      throw new ManifestError(`${file}: field 'checks[${i}].id': duplicate check id '${check.id}'`);
    checkIds.add(check.id);
    const task = tasks.find((t) => t.id === check.task);
    if (!task)
      throw new ManifestError(
        `${file}: field 'checks[${i}].task': no task '${check.task}' (known: ${[...taskIds].join(', ')})`,
      );
    if (task.kind === 'manual')
      throw new ManifestError(
        `${file}: field 'checks[${i}].task': task '${check.task}' is graded by hand and has no checks`,
      );
    checkCalls(check, `checks[${i}]`, task, functions, file);
  }
}

/** A task's points are what its public checks add up to (hidden checks come on top, with --hidden). */
function checkPoints(tasks: readonly ManifestTask[], checks: readonly ManifestCheck[], file: string): void {
  for (const task of tasks) {
    if (task.kind !== 'auto') continue;
    const sum = checks.filter((c) => c.task === task.id).reduce((s, c) => s + c.points, 0);
    if (Math.abs(sum - task.points) > 1e-9) {
      throw new ManifestError(
        `${file}: field 'tasks[${tasks.indexOf(task)}].points': ${task.points}, but its public checks add up to ${sum}`,
      );
    }
  }
}

/** Parse a manifest (already JSON-decoded); throws ManifestError with one line naming the bad field. */
export function parseManifest(json: unknown, file = 'manifest.json'): Manifest {
  const manifest = parseWith(Manifest, json, file);
  if (manifest.latePolicy && !manifest.due)
    throw new ManifestError(`${file}: field 'latePolicy': a late policy needs the assignment's 'due' date-time`);
  crossCheck(manifest.tasks, manifest.checks, manifest.functions, file);
  checkPoints(manifest.tasks, manifest.checks, file);
  return manifest;
}

export function parseManifestFragment(json: unknown, file: string, base: Manifest): ManifestFragment {
  const fragment = parseWith(ManifestFragment, json, file);
  crossCheck(base.tasks, [...base.checks, ...fragment.checks], base.functions, file);
  return fragment;
}

/** Read and parse a JSON file, turning a syntax error into a one-line message. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ManifestError(`${file}: cannot be read; check the path`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

export function loadManifest(file: string): Manifest {
  return parseManifest(readJsonFile(file), file);
}

/** Every file a submission of this assignment hands in: the functions' files, then the written answers. */
export function studentFiles(manifest: Pick<Manifest, 'functions' | 'tasks' | 'answers'>): string[] {
  const files = [
    ...Object.values(manifest.functions).map((f) => f.file),
    ...manifest.tasks.flatMap((t) => (t.file ? [t.file] : [])),
  ];
  return [...new Set(files), ...(manifest.answers ? [manifest.answers] : [])];
}
