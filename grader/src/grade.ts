// Grade one submission: compile each student file, build the needed models in a sandboxed child per
// file, rebuild their topologies here, run the manifest's checks on the rebuilt models, and score.
import { existsSync, lstatSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Assignment,
  AssignmentError,
  assignmentFor,
  type Budget,
  budgetFor,
  type CheckExpectation,
  type CheckKind,
  type CheckResult,
  checkBudget,
  disposeModel,
  type ExpectedFile,
  GradeReport,
  INSTRUCTOR_DIR,
  loadAssignment,
  loadExpected,
  type Manifest,
  type ManifestCheck,
  noteCases,
  parseManifestFragment,
  readJsonFile,
  readTopology,
  rebuildModel,
  referenceSizes,
  summarize,
  type TaskResult,
} from '@course/core';
import { type BackendChoice, type BackendInfo, trimBackendMemory, useBackend } from '@course/d2l';
import * as tf from '@tensorflow/tfjs';
import { createFailureLog, type FailureLog, typeErrorEntries } from './build-failures.ts';
import { buildsCheck } from './checks/builds.ts';
import type { Built, CheckContext, CheckRunner } from './checks/context.ts';
import { identityCheck } from './checks/identity.ts';
import { paramsCheck } from './checks/params.ts';
import { shapesCheck } from './checks/shapes.ts';
import { structureCheck } from './checks/structure.ts';
import { trainingCheck } from './checks/training.ts';
import { typecheckCheck } from './checks/typecheck.ts';
import { graderVersion } from './grader-version.ts';
import { readSubmission, refusedLine, writeSnapshot } from './intake.ts';
import { itemsFor } from './items.ts';
import { inertReport } from './reporters/inert.ts';
import { bundleStudentFile, SANDBOX_DIR } from './sandbox/bundle.ts';
import type { TypeDiagnostic } from './sandbox/diagnostic-text.ts';
import type { BuildItem } from './sandbox/protocol.ts';
import { childGate, type ItemOutcome, runSandboxed, type SandboxOptions, sandboxLimits } from './sandbox/spawn.ts';
import { releaseTypeChecker, startTypeCheck } from './sandbox/type-check.ts';

export interface GradeOptions {
  submissionDir: string;
  /** The assignment (a folder of assignments/); default: the one the submission folder belongs to. */
  assignment?: string;
  hidden?: boolean;
  backend?: BackendChoice;
  seed?: number;
  onProgress?: (event: { check: string; done: number; total: number }) => void;
  /** Run only these check ids (the others are reported as skipped); for tests and quick runs. */
  checks?: string[];
  /** Report training checks as skipped (tests that are not about training). */
  skipTraining?: boolean;
  /**
   * End the type checker's thread once this grading's types are checked, freeing its memory before
   * training (a one-shot grading: the CLI). Otherwise it stays for the next grading, with its parsed libraries.
   */
  releaseTypeChecker?: boolean;
  limits?: SandboxOptions;
}

const RUNNERS: Record<CheckKind, CheckRunner> = {
  builds: buildsCheck,
  shapes: shapesCheck,
  params: paramsCheck,
  structure: structureCheck,
  identity: identityCheck,
  training: trainingCheck,
  typecheck: typecheckCheck,
};

export class UsageError extends Error {
  override name = 'UsageError';
}

interface Plan {
  assignment: Assignment;
  manifest: Manifest;
  checks: ManifestCheck[];
  expected: ExpectedFile['checks'];
}

/** The assignment's checks (public, plus hidden ones on request) with their expected data. */
export function loadPlan(assignmentName: string, hidden: boolean): Plan {
  let assignment: Assignment;
  try {
    assignment = loadAssignment(assignmentName);
  } catch (err) {
    if (err instanceof AssignmentError) throw new UsageError(err.message);
    throw err;
  }
  const { manifest } = assignment;
  const expected = { ...loadExpected(assignment.expectedFile).checks };
  const checks = [...manifest.checks];
  if (hidden) {
    if (!existsSync(assignment.hiddenManifestFile))
      throw new UsageError(
        `--hidden: the hidden checks are not part of this copy (assignments/${assignment.name}/${INSTRUCTOR_DIR}/ is missing)`,
      );
    const file = assignment.hiddenManifestFile;
    checks.push(...parseManifestFragment(readJsonFile(file), file, manifest).checks);
    Object.assign(expected, loadExpected(assignment.hiddenExpectedFile).checks);
  }
  for (const c of checks) {
    const exp = expected[c.id];
    if (!exp) throw new Error(`no expected data for check '${c.id}': ${AUTHORING_HINT(assignment.name)}`);
    if (!sameCases(c, exp))
      throw new Error(
        `the expected data of check '${c.id}' is for other cases than the manifest's: ${AUTHORING_HINT(assignment.name)}`,
      );
  }
  return { assignment, manifest, checks, expected };
}

const AUTHORING_HINT = (name: string) => `regenerate it with \`npx pnpm@10 assign ${name}\``;

/** Expected data is generated from the manifest's cases; a hand-edited manifest must not grade against stale data. */
function sameCases(check: ManifestCheck, exp: CheckExpectation): boolean {
  const asCase = (k: { input?: number[]; args: unknown[] }) => JSON.stringify(k.input ? [k.input, k.args] : [k.args]);
  const want = (check.cases ?? []).map(asCase);
  const have =
    exp.kind === 'training' || exp.kind === 'typecheck' ? [] : exp.kind === 'block-identity' ? [exp.case] : exp.cases;
  return want.join('\n') === have.map((k) => asCase(k as { input?: number[]; args: unknown[] })).join('\n');
}

const chosen = new Map<BackendChoice, Promise<BackendInfo>>();

/**
 * Pick the backend once per process and choice: activating a backend again while another grading in
 * this process is running on it would reset its kernels under that grading.
 * wasm cannot train convnets without Conv2DBackpropFilter, so auto then uses cpu.
 */
function chooseBackend(choice: BackendChoice): Promise<BackendInfo> {
  let pending = chosen.get(choice);
  if (!pending) {
    pending = (async () => {
      const info = await useBackend(choice, { quiet: true });
      if (info.name === 'wasm' && !tf.getKernel('Conv2DBackpropFilter', 'wasm') && choice === 'auto') {
        const cpu = await useBackend('cpu', { quiet: true });
        return {
          ...cpu,
          skipped: [...info.skipped, 'wasm: no Conv2DBackpropFilter kernel to train convnets (tfjs issue 8474)'],
        };
      }
      return info;
    })();
    pending.catch(() => chosen.delete(choice));
    chosen.set(choice, pending);
  }
  return pending.then(async (info) => {
    // Another choice may have switched the engine since; switch back without re-initialising.
    if (tf.getBackend() !== info.name) await tf.setBackend(info.name);
    return info;
  });
}

type Failed = Extract<Built, { ok: false }>;

interface BuildResults {
  outcomes: Map<string, Built | ItemOutcome>;
  peakChildRssMb: number;
  failures: FailureLog;
  /** The type errors of every file that bundled (or, read only by a type-check check, exists): reported, not blocking. */
  typeErrors: Map<string, TypeDiagnostic[]>;
  /** Why a file was neither run nor type-checked: refused at intake, missing, or not bundled. */
  fileFailures: Map<string, Failed>;
}

/**
 * Compile and run each student file in its own sandboxed child; every build key gets an outcome. Each file is
 * type-checked too, and its type errors are reported, not blocking: esbuild bundles the file whatever its
 * types, so the checks grade what the child builds (a file esbuild cannot bundle still blocks its items).
 */
async function buildAll(
  dir: string,
  itemsByFile: Map<string, BuildItem[]>,
  typeFiles: ReadonlySet<string>,
  limits: SandboxOptions,
  refused: (file: string) => string | undefined,
  typeCheck: Promise<Map<string, TypeDiagnostic[]>>,
): Promise<BuildResults> {
  const outcomes = new Map<string, Built | ItemOutcome>();
  // Each failure is said once (build-failures.ts): the checks it blocks point back to it.
  const failures = createFailureLog();
  const fileFailures = new Map<string, Failed>();
  const failAll = (file: string, items: readonly BuildItem[], failure: Failed) => {
    fileFailures.set(file, failure);
    for (const i of items) outcomes.set(i.key, failure);
  };
  const replies: Array<{ file: string; item: BuildItem | undefined; key: string; outcome: ItemOutcome }> = [];
  let peak = 0;
  const gate = childGate();
  const files = [...new Set([...itemsByFile.keys(), ...typeFiles])];
  // Bundle every file, then start the children; the type check (started before) runs on its own thread.
  const started = await Promise.all(
    files.map(async (file) => {
      const items = itemsByFile.get(file) ?? [];
      const why = refused(file);
      if (why) return failAll(file, items, { ok: false, status: 'error', message: why });
      if (!existsSync(join(dir, file))) return failAll(file, items, failures.missingFile(file));
      if (items.length === 0) return;
      const bundle = await bundleStudentFile(dir, file);
      if (!bundle.ok) return failAll(file, items, failures.bundleFailed(bundle));
      // Wrapped, so that awaiting the bundles does not also wait for the children.
      const running = runSandboxed(bundle, items, limits, gate)
        .then((run) => {
          peak = Math.max(peak, run.peakRssMb);
          for (const [key, outcome] of run.outcomes)
            replies.push({ file, key, outcome, item: items.find((i) => i.key === key) });
        })
        .finally(() => rmSync(bundle.file, { force: true }));
      return { running };
    }),
  );
  await Promise.all(started.map((s) => s?.running));
  // Every file that was neither refused, missing nor unbundlable is type-checked (the check was started on
  // every file present, before bundling).
  const typeErrors = new Map(
    [...(await typeCheck)].filter(([file]) => files.includes(file) && !fileFailures.has(file)),
  );
  // A failure on a line TypeScript flags names that type error (a misspelt tf.layers.conv2D, say); a missing
  // export, the file's default export if it has one (the parser loaded only then).
  const defaultExportOf = replies.some((r) => !r.outcome.ok && r.outcome.reason === 'missing-export')
    ? (await import('./sandbox/diagnostics.ts')).defaultExportOf
    : () => undefined;
  for (const { file, key, outcome, item } of replies)
    outcomes.set(
      key,
      outcome.ok
        ? outcome
        : failures.failureMessage(outcome, item, {
            types: typeErrors.get(file),
            defaultExport: outcome.reason === 'missing-export' ? defaultExportOf(join(dir, file)) : undefined,
          }),
    );
  return { outcomes, peakChildRssMb: peak, failures, typeErrors, fileFailures };
}

/** Rebuilt models, kept within a parameter budget (ResNet-152's weights alone are ~230 MB). */
function modelCache(
  outcomes: Map<string, Built | ItemOutcome>,
  networks: ReadonlySet<string>,
  budgetOf: (key: string) => Budget,
  budgetParams = 80e6,
) {
  const cache = new Map<string, Built>();
  const evict = (keep: Set<string>) => {
    let total = [...cache.values()].reduce((s, b) => s + (b.ok && b.model ? b.model.countParams() : 0), 0);
    for (const [key, b] of cache) {
      if (total <= budgetParams) break;
      if (keep.has(key) || !b.ok || !b.model) continue;
      total -= b.model.countParams();
      disposeModel(b.model);
      cache.delete(key);
    }
  };
  return {
    async ensure(keys: string[]): Promise<void> {
      const keep = new Set(keys);
      for (const key of keys) {
        if (cache.has(key)) continue;
        evict(keep);
        const o = outcomes.get(key);
        if (!o)
          cache.set(key, {
            ok: false,
            status: 'error',
            message: 'the grader did not build this model (internal error)',
          });
        else if (!o.ok) cache.set(key, o as Built);
        else if ('summary' in o) cache.set(key, o);
        else {
          try {
            // Bounded and flattened on the raw JSON first (nested models become their layers), then sized from
            // its configuration: the child's JSON must not make this process overflow its stack or allocate gigabytes.
            const { topology, nested } = readTopology(o.topology);
            checkBudget(topology, budgetOf(key));
            const model = await rebuildModel(topology);
            const summary = summarize(model, nested);
            // A network's checks need only its summary: free ResNet-152's ~230 MB of weights at once.
            if (networks.has(key)) {
              disposeModel(model);
              trimBackendMemory();
              cache.set(key, { ok: true, summary });
            } else cache.set(key, { ok: true, model, summary });
          } catch (err) {
            cache.set(key, { ok: false, status: 'error', message: err instanceof Error ? err.message : String(err) });
          }
        }
      }
    },
    get(key: string): Built {
      return (
        cache.get(key) ?? {
          ok: false,
          status: 'error',
          message: 'the grader did not rebuild this model (internal error)',
        }
      );
    },
    dispose(): void {
      for (const b of cache.values()) if (b.ok && b.model) disposeModel(b.model);
      cache.clear();
    },
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

export async function gradeSubmission(opts: GradeOptions): Promise<GradeReport> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const dir = resolve(opts.submissionDir);
  // A link is not followed here: intake.ts refuses it with one line in the report (a student made it).
  const isLink = (() => {
    try {
      return lstatSync(dir).isSymbolicLink();
    } catch {
      return false;
    }
  })();
  if (!isLink && (!existsSync(dir) || !statSync(dir).isDirectory()))
    throw new UsageError(`submission folder '${opts.submissionDir}' does not exist; pass --submission DIR`);
  const seed = opts.seed ?? 0;
  const plan = loadPlan(opts.assignment ?? assignmentFor(dir), opts.hidden ?? false);
  const selected = (c: ManifestCheck) =>
    (!opts.checks || opts.checks.includes(c.id)) && !(opts.skipTraining && c.kind === 'training');
  // Everything below reads a private copy of the accepted files only (intake.ts): no link is followed.
  const submission = readSubmission(dir);
  const snapshot = writeSnapshot(submission, SANDBOX_DIR);
  const refusal = (file: string) => {
    const r = submission.refused.find((x) => x.file === file || x.file === '.');
    return r && refusedLine(r);
  };
  // The type check starts first, on its own thread: it takes longer than loading the backend and
  // building the models, which it runs beside. buildAll keeps the errors of the files it did not fail.
  const files = [...new Set(plan.checks.filter(selected).map((c) => plan.manifest.functions[c.target]?.file))];
  const typeCheck = startTypeCheck(
    snapshot,
    files.filter((f): f is string => f !== undefined && !refusal(f) && existsSync(join(snapshot, f))),
    join(plan.assignment.dir, 'tsconfig.json'),
  );
  try {
    const run = { started, startedAt, seed, plan, selected, submission, snapshot, refusal, typeCheck };
    return await gradeSnapshot(opts, run);
  } finally {
    await typeCheck.catch(() => undefined); // the files stay until the type checker has read them
    rmSync(snapshot, { recursive: true, force: true });
    if (opts.releaseTypeChecker) await releaseTypeChecker();
  }
}

async function gradeSnapshot(
  opts: GradeOptions,
  run: {
    started: number;
    startedAt: string;
    seed: number;
    plan: Plan;
    selected: (c: ManifestCheck) => boolean;
    submission: ReturnType<typeof readSubmission>;
    snapshot: string;
    refusal: (file: string) => string | undefined;
    typeCheck: Promise<Map<string, TypeDiagnostic[]>>;
  },
): Promise<GradeReport> {
  const { started, startedAt, seed, plan, selected, submission, snapshot, refusal, typeCheck } = run;
  const backend = await chooseBackend(opts.backend ?? 'auto');
  // A software GPU (SwiftShader, llvmpipe) is a CPU in disguise: backend.gpu is false, so it gets the CPU profile.
  const profile = backend.gpu ? 'gpu-long' : 'cpu-small';
  const sizes = referenceSizes(
    plan.checks.map((c) => ({ target: c.target, expected: plan.expected[c.id] })),
    backend.gpu,
  );

  const itemsByFile = new Map<string, BuildItem[]>();
  const keysOf = new Map<string, string[]>();
  for (const c of plan.checks.filter(selected)) {
    const exp = plan.expected[c.id] as CheckExpectation;
    const trainShape = exp.kind === 'training' ? exp.profiles[profile].inputShape : undefined;
    const fn = plan.manifest.functions[c.target];
    if (!fn) throw new Error(`check '${c.id}': no function '${c.target}' in the manifest`);
    const items = itemsFor(c, fn, exp, trainShape);
    noteCases(
      sizes,
      c.target,
      exp,
      items.map((i) => i.key),
      profile,
    );
    keysOf.set(
      c.id,
      items.map((i) => i.key),
    );
    const file = fn.file;
    const list = itemsByFile.get(file) ?? [];
    for (const item of items) if (!list.some((i) => i.key === item.key)) list.push(item);
    itemsByFile.set(file, list);
  }
  // Cheap models first (networks in the manifest's order, the largest last by convention): if the time
  // limit strikes while building the largest network, the blocks are already in.
  const cost = (i: BuildItem) => (i.kind === 'block' ? 0 : i.kind === 'trainnet' ? 1 : 2);
  for (const list of itemsByFile.values()) list.sort((a, b) => cost(a) - cost(b));

  // Files a type-check check reads even when no other selected check builds from them.
  const typeFiles = new Set(
    plan.checks
      .filter((c) => selected(c) && c.kind === 'typecheck')
      .flatMap((c) => plan.manifest.functions[c.target]?.file ?? []),
  );
  const { outcomes, failures, typeErrors, fileFailures } = await buildAll(
    snapshot,
    itemsByFile,
    typeFiles,
    opts.limits ?? {},
    refusal,
    typeCheck,
  ).finally(() => rmSync(snapshot, { recursive: true, force: true }));
  if (opts.releaseTypeChecker) await releaseTypeChecker(); // its memory back before training
  const types: CheckContext['types'] = (target) => {
    const file = plan.manifest.functions[target]?.file ?? '';
    return fileFailures.get(file) ?? { ok: true, errors: typeErrors.get(file) ?? [] };
  };
  const networks = new Set(
    [...itemsByFile.values()].flatMap((list) => list.filter((i) => i.kind === 'network').map((i) => i.key)),
  );
  const cache = modelCache(outcomes, networks, (key) => budgetFor(key, sizes));
  const checks: CheckResult[] = [];
  try {
    for (const [done, c] of plan.checks.entries()) {
      const t0 = Date.now();
      const base = { id: c.id, task: c.task, title: c.title, maxScore: c.points, visibility: c.visibility };
      if (!selected(c)) {
        checks.push({
          ...base,
          status: 'skipped',
          score: 0,
          message: 'not run in this grading (skipped on request)',
          durationMs: 0,
        });
        continue;
      }
      opts.onProgress?.({ check: c.id, done, total: plan.checks.length });
      await cache.ensure(keysOf.get(c.id) ?? []);
      const ctx: CheckContext = { built: (key) => cache.get(key), types, seed, backend, profile };
      let result: CheckResult;
      try {
        const o = await RUNNERS[c.kind](c, plan.expected[c.id] as CheckExpectation, ctx);
        const stub = o.fraction === 0 && /not implemented yet/.test(o.message);
        const message =
          o.status === 'passed'
            ? o.message
            : stub
              ? `${c.target}: not implemented yet`
              : `${o.message.replace(/\.$/, '')}. ${c.feedback}`;
        result = {
          ...base,
          status: o.status,
          score: round2(c.points * o.fraction),
          message,
          details: o.details,
          durationMs: Date.now() - t0,
        };
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        result = {
          ...base,
          status: 'error',
          score: 0,
          message: `the check could not run: ${text.split('\n')[0]}`,
          durationMs: Date.now() - t0,
        };
      }
      checks.push(result);
      // What a check freed goes back to the system, not to the webgpu backend's buffer pool.
      trimBackendMemory();
    }
    opts.onProgress?.({ check: 'done', done: plan.checks.length, total: plan.checks.length });
  } finally {
    cache.dispose();
    trimBackendMemory();
  }

  const tasks: TaskResult[] = plan.manifest.tasks.map((t) => {
    const mine = checks.filter((c) => c.task === t.id);
    return t.kind === 'manual'
      ? {
          id: t.id,
          title: t.title,
          exercise: t.exercise,
          kind: t.kind,
          status: 'manual-pending',
          score: 0,
          maxScore: t.points,
        }
      : {
          id: t.id,
          title: t.title,
          exercise: t.exercise,
          kind: t.kind,
          status: 'graded',
          score: round2(mine.reduce((s, c) => s + c.score, 0)),
          maxScore: round2(mine.reduce((s, c) => s + c.maxScore, 0)),
        };
  });
  // Every string a student controls (messages, frames, layer and file names, source lines) is made inert once here.
  return GradeReport.parse(
    inertReport({
      schemaVersion: 1,
      graderVersion: graderVersion(),
      assignment: plan.manifest.assignment,
      submission: {
        path: opts.submissionDir,
        hash: submission.hash,
        ...(submission.refused.length ? { refused: submission.refused.map(refusedLine) } : {}),
      },
      score: round2(checks.reduce((s, c) => s + c.score, 0)),
      maxScore: round2(checks.reduce((s, c) => s + c.maxScore, 0)),
      backend: { name: backend.name, device: backend.device, skipped: backend.skipped },
      trainingProfile: profile,
      seed,
      hiddenIncluded: opts.hidden ?? false,
      limits: sandboxLimits(opts.limits),
      tasks,
      checks: failures.finish(checks),
      ...(typeErrors.size ? { typeErrors: typeErrorEntries(typeErrors) } : {}),
      startedAt,
      durationMs: Date.now() - started,
    }),
  );
}
