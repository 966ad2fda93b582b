// Grade one submission: compile each student file, build the needed models in a sandboxed child per
// file, rebuild their topologies here, run the manifest's checks on the rebuilt models, and score.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendChoice, type BackendInfo, useBackend } from '@course/d2l/backend';
import * as tf from '@tensorflow/tfjs';
import { paramRows, stageShapes } from './analysis/graph.ts';
import { buildsCheck } from './checks/builds.ts';
import type { Built, CheckContext, CheckRunner } from './checks/context.ts';
import { identityCheck } from './checks/identity.ts';
import { paramsCheck } from './checks/params.ts';
import { shapesCheck } from './checks/shapes.ts';
import { structureCheck } from './checks/structure.ts';
import { trainingCheck } from './checks/training.ts';
import { type CheckExpectation, type ExpectedFile, loadExpected } from './expected.ts';
import { isNetKey, itemsFor } from './items.ts';
import {
  type CheckKind,
  loadManifest,
  type Manifest,
  type ManifestCheck,
  parseManifestFragment,
  readJsonFile,
} from './manifest.ts';
import { type CheckResult, GradeReport, type TaskResult } from './report-schema.ts';
import { bundleStudentFile } from './sandbox/bundle.ts';
import { typeErrors } from './sandbox/diagnostics.ts';
import type { BuildItem } from './sandbox/protocol.ts';
import { type ItemOutcome, runSandboxed, type SandboxOptions, sandboxLimits } from './sandbox/spawn.ts';
import { disposeModel, rebuildModel } from './topology.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MANIFEST_FILE = join(root, 'assignments/resnet/manifest.json');
export const EXPECTED_FILE = join(root, 'assignments/resnet/checks/expected.json');
export const HIDDEN_MANIFEST_FILE = join(root, 'grader/hidden/manifest.json');
export const HIDDEN_EXPECTED_FILE = join(root, 'grader/hidden/expected.json');
export const STUDENT_WORKSPACE = join(root, 'assignments/resnet/src');

export interface GradeOptions {
  submissionDir: string;
  hidden?: boolean;
  backend?: BackendChoice;
  seed?: number;
  onProgress?: (event: { check: string; done: number; total: number }) => void;
  /** Run only these check ids (the others are reported as skipped); for tests and quick runs. */
  checks?: string[];
  /** Report training checks as skipped (tests that are not about training). */
  skipTraining?: boolean;
  limits?: SandboxOptions;
}

const RUNNERS: Record<CheckKind, CheckRunner> = {
  builds: buildsCheck,
  shapes: shapesCheck,
  params: paramsCheck,
  structure: structureCheck,
  identity: identityCheck,
  training: trainingCheck,
};

export class UsageError extends Error {
  override name = 'UsageError';
}

interface Plan {
  manifest: Manifest;
  checks: ManifestCheck[];
  expected: ExpectedFile['checks'];
}

function loadPlan(hidden: boolean): Plan {
  const manifest = loadManifest(MANIFEST_FILE);
  const expected = { ...loadExpected(EXPECTED_FILE).checks };
  const checks = [...manifest.checks];
  if (hidden) {
    if (!existsSync(HIDDEN_MANIFEST_FILE))
      throw new UsageError('--hidden: the hidden checks are not part of this copy (grader/hidden/ is missing)');
    checks.push(...parseManifestFragment(readJsonFile(HIDDEN_MANIFEST_FILE), HIDDEN_MANIFEST_FILE, manifest).checks);
    Object.assign(expected, loadExpected(HIDDEN_EXPECTED_FILE).checks);
  }
  for (const c of checks)
    if (!expected[c.id])
      throw new Error(`no expected data for check '${c.id}': run npx tsx grader/scripts/make-expected.ts`);
  return { manifest, checks, expected };
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

function hashSubmission(dir: string): string {
  const hash = createHash('sha256');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(ts|md)$/.test(f) && statSync(join(dir, f)).isFile())
        .sort()
    : [];
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(readFileSync(join(dir, f)))
      .update('\0');
  return `sha256:${hash.digest('hex')}`;
}

/** A stack frame with the student's file name only: `bottleneck (bottleneck.ts:16:31)`. */
function studentFrame(frame: string): string {
  return frame.replace(/^at /, '').replace(/(?:file:\/\/)?[^\s(]*\/([^/\s)]+\.ts:\d+:\d+)/, '$1');
}

function failureMessage(o: Extract<ItemOutcome, { ok: false }>): { status: 'failed' | 'error'; message: string } {
  const line = o.message.split('\n')[0] ?? o.message;
  if (/not implemented yet/i.test(line)) return { status: 'failed', message: line };
  const at = o.frames[0] ? ` (at ${studentFrame(o.frames[0])})` : '';
  switch (o.reason) {
    case 'missing-export':
      return { status: 'error', message: `${line}: export it from the file` };
    case 'exception':
      if (/Array buffer allocation failed|Invalid typed array length|out of memory/i.test(line)) {
        return { status: 'error', message: `ran out of memory: ${line}${at}` };
      }
      if (/restricted|ERR_ACCESS_DENIED/.test(line)) {
        return {
          status: 'error',
          message: `denied by the sandbox: ${line}${at} (submissions cannot read or write files, start processes or workers)`,
        };
      }
      return { status: 'error', message: `threw ${line}${at}` };
    case 'load-failed':
      return { status: 'error', message: `the file threw while loading: ${line}${at}` };
    default:
      return { status: 'error', message: line };
  }
}

/** Compile and run each student file in its own sandboxed child; every build key gets an outcome. */
async function buildAll(
  dir: string,
  itemsByFile: Map<string, BuildItem[]>,
  limits: SandboxOptions,
): Promise<{ outcomes: Map<string, Built | ItemOutcome>; peakChildRssMb: number }> {
  const outcomes = new Map<string, Built | ItemOutcome>();
  const fail = (items: BuildItem[], status: 'failed' | 'error', message: string) => {
    for (const i of items) outcomes.set(i.key, { ok: false, status, message });
  };
  let peak = 0;
  const bundled = new Set<string>();
  // Bundle every file, then start the children, then type-check while they build: tsc blocks this thread.
  const started = await Promise.all(
    [...itemsByFile].map(async ([file, items]) => {
      if (!existsSync(join(dir, file))) return fail(items, 'failed', `${file} is missing from the submission`);
      const bundle = await bundleStudentFile(dir, file);
      if (!bundle.ok)
        return fail(
          items,
          'error',
          bundle.reason === 'compile-error' ? `compile error: ${bundle.message}` : bundle.message,
        );
      bundled.add(file);
      // Wrapped, so that awaiting the bundles does not also wait for the children.
      const running = runSandboxed(bundle, items, limits)
        .then((run) => {
          peak = Math.max(peak, run.peakRssMb);
          for (const [key, o] of run.outcomes) outcomes.set(key, o.ok ? o : { ok: false, ...failureMessage(o) });
        })
        .finally(() => rmSync(bundle.file, { force: true }));
      return { running };
    }),
  );
  const present = [...itemsByFile.keys()].filter((f) => existsSync(join(dir, f)));
  const diagnostics = present.length ? typeErrors(dir, present) : new Map<string, string>();
  await Promise.all(started.map((s) => s?.running));
  // A type error outranks what the child did, but not a refused import or a syntax error found first.
  for (const [file, message] of diagnostics)
    if (bundled.has(file)) fail(itemsByFile.get(file) ?? [], 'error', `compile error: ${message}`);
  return { outcomes, peakChildRssMb: peak };
}

/** Rebuilt models, kept within a parameter budget (ResNet-152's weights alone are ~230 MB). */
function modelCache(outcomes: Map<string, Built | ItemOutcome>, budgetParams = 80e6) {
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
            const model = await rebuildModel(o.topology);
            const summary = { shapes: stageShapes(model), rows: paramRows(model) };
            // A network's checks need only its summary: free ResNet-152's ~230 MB of weights at once.
            if (isNetKey(key)) {
              disposeModel(model);
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
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`submission folder '${opts.submissionDir}' does not exist; pass --submission DIR`);
  const seed = opts.seed ?? 0;
  const plan = loadPlan(opts.hidden ?? false);
  const backend = await chooseBackend(opts.backend ?? 'auto');
  const profile = backend.gpu ? 'gpu-long' : 'cpu-small';
  const selected = (c: ManifestCheck) =>
    (!opts.checks || opts.checks.includes(c.id)) && !(opts.skipTraining && c.kind === 'training');
  const taskOf = (c: ManifestCheck) => plan.manifest.tasks.find((t) => t.id === c.task);

  const itemsByFile = new Map<string, BuildItem[]>();
  const keysOf = new Map<string, string[]>();
  for (const c of plan.checks.filter(selected)) {
    const exp = plan.expected[c.id] as CheckExpectation;
    const trainShape = exp.kind === 'training' ? exp.profiles[profile].inputShape : undefined;
    const items = itemsFor(c.target, exp, trainShape);
    keysOf.set(
      c.id,
      items.map((i) => i.key),
    );
    const file = taskOf(c)?.file ?? '';
    const list = itemsByFile.get(file) ?? [];
    for (const item of items) if (!list.some((i) => i.key === item.key)) list.push(item);
    itemsByFile.set(file, list);
  }
  // Cheap models first: if the time limit strikes while building ResNet-152, the blocks are already in.
  const cost = (i: BuildItem) =>
    i.kind === 'block' ? 0 : i.kind === 'trainnet' ? 1 : i.fn === 'bottleneckResnet' ? i.depth : 2;
  for (const list of itemsByFile.values()) list.sort((a, b) => cost(a) - cost(b));

  const { outcomes } = await buildAll(dir, itemsByFile, opts.limits ?? {});
  const cache = modelCache(outcomes);
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
      const ctx: CheckContext = { built: (key) => cache.get(key), seed, backend, profile };
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
    }
    opts.onProgress?.({ check: 'done', done: plan.checks.length, total: plan.checks.length });
  } finally {
    cache.dispose();
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
  return GradeReport.parse({
    schemaVersion: 1,
    graderVersion: (JSON.parse(readFileSync(join(root, 'grader/package.json'), 'utf8')) as { version: string }).version,
    assignment: plan.manifest.assignment,
    submission: { path: opts.submissionDir, hash: hashSubmission(dir) },
    score: round2(checks.reduce((s, c) => s + c.score, 0)),
    maxScore: round2(checks.reduce((s, c) => s + c.maxScore, 0)),
    backend: { name: backend.name, device: backend.device, skipped: backend.skipped },
    trainingProfile: profile,
    seed,
    hiddenIncluded: opts.hidden ?? false,
    limits: sandboxLimits(opts.limits),
    tasks,
    checks,
    startedAt,
    durationMs: Date.now() - started,
  });
}
