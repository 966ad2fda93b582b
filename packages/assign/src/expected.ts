// The checks' expected data, computed from an assignment's reference solution for the manifest's cases
// (public: checks/expected.json; hidden: instructor/expected.json). Training thresholds are measured
// separately (`assign --measure-training`) and carried over from the committed file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Assignment,
  asBlock,
  type BlockCase,
  type BlockSignature,
  type CheckExpectation,
  ExpectedFile,
  INSTRUCTOR_DIR,
  type ManifestCase,
  type ManifestCheck,
  type ModelSummary,
  type NetCase,
  type NetLayout,
  paramTotals,
  parseManifestFragment,
  readJsonFile,
  summarize,
} from '@course/core';
import { buildCase, loadReference, type ReferenceModule, withModel } from './reference.ts';

export const GENERATED_BY = 'npx pnpm@10 assign';

/** The training budgets of a new check; thresholds are measured from the reference (grader/README.md). */
const TRAINING_DEFAULT: Extract<CheckExpectation, { kind: 'training' }> = {
  kind: 'training',
  profiles: {
    'cpu-small': {
      inputShape: [28, 28, 1],
      subset: 'embedded',
      batchSize: 64,
      numEpochs: 2,
      lr: 0.1,
      maxBatchesPerEpoch: 30,
      minTestAcc: 0.2,
      referenceTestAcc: 0,
      margin: 0.1,
    },
    'gpu-long': {
      inputShape: [96, 96, 1],
      resize: 96,
      subset: 'full',
      batchSize: 128,
      numEpochs: 1,
      lr: 0.05,
      minTestAcc: 0.75,
      referenceTestAcc: 0,
      margin: 0.05,
    },
  },
};

function previousTraining(file: string, id: string): CheckExpectation {
  if (!existsSync(file)) return TRAINING_DEFAULT;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { checks?: Record<string, unknown> };
  const entry = raw.checks?.[id] as { kind?: string } | undefined;
  return entry?.kind === 'training' ? (entry as CheckExpectation) : TRAINING_DEFAULT;
}

/**
 * Other ways of writing the reference (`instructor/conventions.ts`, where an assignment has them): each
 * a module with the student API. They must all have the reference's canonical form, so a convention the
 * canonical form does not absorb fails here, naming it, instead of costing a student points.
 */
export interface Convention {
  name: string;
  module: ReferenceModule;
  /** Also cross-check whole networks with it (they cost seconds per build); default true. */
  networks?: boolean;
}

export async function loadConventions(assignment: Assignment): Promise<Convention[]> {
  const file = join(assignment.dir, INSTRUCTOR_DIR, 'conventions.ts');
  if (!existsSync(file)) return [];
  return ((await import(file)) as { CONVENTIONS: Convention[] }).CONVENTIONS;
}

const referenceCounts = (s: ModelSummary) => ({
  ...paramTotals(s.rows),
  rows: s.rows.map((r) => [r.kind, r.trainable, r.total] as [string, number, number]),
  // What conv bias and a BN on each projection would add: the params check shows the reference as the student wrote it.
  ...s.optional,
});

function layoutOf(s: ModelSummary): NetLayout {
  if ('error' in s.layout) throw new Error(s.layout.error);
  return s.layout;
}

/** The expected data of one check: what the reference computes for the manifest's cases. */
function expectationOf(
  assignment: Assignment,
  modules: readonly Convention[],
  c: ManifestCheck,
  previousFile: string,
): CheckExpectation {
  if (c.kind === 'training') return previousTraining(previousFile, c.id);
  // A type-check check reads the compiler's diagnostics of the submission: nothing to compare with.
  if (c.kind === 'typecheck') return { kind: 'typecheck' };
  const block = assignment.manifest.functions[c.target]?.kind === 'block';
  const cases = c.cases ?? [];
  const using = block ? modules : modules.filter((m) => m.networks !== false);
  /** The canonical reading of case `i` under every convention; they must agree. */
  const canonical = <R>(i: number, read: (s: ModelSummary) => R): R => {
    const k = cases[i] as ManifestCase;
    const [first, ...others] = using.map((m) => ({
      name: m.name,
      value: withModel(buildCase(assignment, m.module, c.target, k), (model) => read(summarize(model))),
    }));
    if (!first) throw new Error('no reference');
    for (const o of others)
      if (JSON.stringify(o.value) !== JSON.stringify(first.value))
        throw new Error(`${c.id} case ${i + 1}: '${o.name}' has another canonical form than '${first.name}'`);
    return first.value;
  };
  const blockCases: BlockCase[] = cases.map((k) => ({ input: k.input ?? [], args: k.args }));
  const netCases: NetCase[] = cases.map((k) => ({ args: k.args }));
  switch (c.kind) {
    case 'builds':
      return block ? { kind: 'block-builds', cases: blockCases } : { kind: 'net-builds', cases: netCases };
    case 'shapes':
      if (block)
        return {
          kind: 'block-shapes',
          cases: blockCases.map((k, i) => ({ ...k, output: canonical(i, (s) => s.shapes.output) })),
        };
      return {
        kind: 'net-shapes',
        cases: netCases.map((k, i) => {
          const s = canonical(i, (x) => x.shapes);
          return { ...k, stem: s.stem ?? [], stages: s.stages, output: s.output };
        }),
      };
    case 'params':
      return block
        ? {
            kind: 'block-params',
            cases: blockCases.map((k, i) => ({ ...k, reference: canonical(i, referenceCounts) })),
          }
        : { kind: 'net-params', cases: netCases.map((k, i) => ({ ...k, reference: canonical(i, referenceCounts) })) };
    case 'structure':
      if (block)
        return {
          kind: 'block-structure',
          cases: blockCases.map((k, i) => {
            const only = asBlock(canonical(i, layoutOf));
            if ('error' in only) throw new Error(`${c.id}: the reference block: ${only.error}`);
            return { ...k, ...only };
          }),
        };
      return {
        kind: 'net-structure',
        cases: netCases.map((k, i) => {
          const layout = canonical(i, layoutOf);
          const blocks: Array<BlockSignature & { count: number }> = [];
          for (const { shape: _shape, ...sig } of layout.blocks) {
            const last = blocks.at(-1);
            const { count: _count, ...lastSig } = last ?? { count: 0 };
            if (last && JSON.stringify(lastSig) === JSON.stringify(sig)) last.count++;
            else blocks.push({ ...sig, count: 1 });
          }
          return { ...k, stem: layout.stem, blocks, head: layout.head };
        }),
      };
    case 'identity':
      return { kind: 'block-identity', case: blockCases[0] as BlockCase, expect: c.expect ?? 'relu' };
  }
}

export interface ExpectedOutput {
  file: string;
  text: string;
}

export function serialize(file: ExpectedFile): string {
  return `${JSON.stringify(ExpectedFile.parse(file))}\n`;
}

/** The public and (where the instructor folder is present) hidden expected files, as they should be now. */
export async function expectedFiles(assignment: Assignment): Promise<ExpectedOutput[]> {
  const modules: Convention[] = [
    { name: 'the reference', module: await loadReference(assignment) },
    ...(await loadConventions(assignment)),
  ];
  const make = (checks: readonly ManifestCheck[], file: string): ExpectedOutput => ({
    file,
    text: serialize({
      generatedBy: GENERATED_BY,
      checks: Object.fromEntries(checks.map((c) => [c.id, expectationOf(assignment, modules, c, file)])),
    }),
  });
  const out = [make(assignment.manifest.checks, assignment.expectedFile)];
  if (existsSync(assignment.hiddenManifestFile)) {
    const hidden = parseManifestFragment(
      readJsonFile(assignment.hiddenManifestFile),
      assignment.hiddenManifestFile,
      assignment.manifest,
    ).checks;
    out.push(make(hidden, assignment.hiddenExpectedFile));
  }
  return out;
}
