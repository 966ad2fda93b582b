// Generate the checks' expected data for the manifest's cases: the canonical form (src/analysis/canonical.ts)
// of the exercises built in every accepted convention (variants.ts), which must all agree. Run after
// changing a case or a convention:
//   npx tsx grader/scripts/make-expected.ts            (writes assignments/resnet/checks/expected.json
//                                                        and assignments/resnet/instructor/expected.json)
//   npx tsx grader/scripts/make-expected.ts --check    (exit 1 when either file is stale)
// Training thresholds are measured separately (see docs in grader/README.md) and carried over.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  asBlock,
  type BlockSignature,
  type ModelSummary,
  type NetLayout,
  paramTotals,
  summarize,
} from '../src/analysis/graph.ts';
import { loadAssignment } from '../src/assignments.ts';
import type { BlockCase, CheckExpectation, ExpectedFile, NetCase } from '../src/expected.ts';
import { ExpectedFile as ExpectedSchema, Training } from '../src/expected.ts';
import { type ManifestCheck, parseManifestFragment, readJsonFile } from '../src/manifest.ts';
import {
  bottleneckResnetVariant,
  bottleneckVariant,
  CONVENTIONS,
  type Convention,
  NET_CONVENTIONS,
  preactResnet18Variant,
  preactVariant,
} from './variants.ts';

const ASSIGNMENT = loadAssignment('resnet');
const PUBLIC_FILE = ASSIGNMENT.expectedFile;
const HIDDEN_FILE = ASSIGNMENT.hiddenExpectedFile;

// The grader reads these very files, so their paths come from it.
export { HIDDEN_FILE, PUBLIC_FILE };

type BlockFn = 'bottleneck' | 'preactResidual';

const HIDDEN_CHECKS = parseManifestFragment(
  readJsonFile(ASSIGNMENT.hiddenManifestFile),
  ASSIGNMENT.hiddenManifestFile,
  ASSIGNMENT.manifest,
).checks;

/** The cases are the manifest's: the expected data only adds what the reference computes for them. */
function checkOf(id: string): ManifestCheck {
  const c = [...ASSIGNMENT.manifest.checks, ...HIDDEN_CHECKS].find((x) => x.id === id);
  if (!c) throw new Error(`no check '${id}' in the manifest`);
  return c;
}
const blockCases = (id: string): BlockCase[] =>
  (checkOf(id).cases ?? []).map((k) => ({ input: k.input ?? [], args: k.args }));
const netCases = (id: string): NetCase[] => (checkOf(id).cases ?? []).map((k) => ({ args: k.args }));

function blockModel(fn: BlockFn, conv: Convention, k: BlockCase): tf.LayersModel {
  const block = fn === 'bottleneck' ? bottleneckVariant(conv) : preactVariant(conv);
  const input = tf.input({ shape: k.input });
  const [numChannels, options] = k.args as [number, Parameters<typeof block>[2]];
  return tf.model({ inputs: input, outputs: block(input, numChannels, options) });
}

type Options = Parameters<typeof preactResnet18Variant>[1];

function netModel(fn: 'bottleneckResnet' | 'preactResnet18', conv: Convention, k: NetCase): tf.LayersModel {
  return fn === 'bottleneckResnet'
    ? bottleneckResnetVariant(conv, k.args[0] as 50 | 101 | 152, (k.args[1] ?? {}) as Options)
    : preactResnet18Variant(conv, (k.args[0] ?? {}) as Options);
}

/** Run `f` on a model, then free its weights. */
function withModel<R>(model: tf.LayersModel, f: (m: tf.LayersModel) => R): R {
  try {
    return f(model);
  } finally {
    tf.disposeVariables();
  }
}

/**
 * The canonical form (analysis/canonical.ts) of `build` under every convention in `conventions`: they must
 * all agree, and that one form is the expected data. A convention the canonical form does not absorb
 * fails here, naming it, instead of costing a student points.
 */
function canonicalOf<R>(
  what: string,
  build: (conv: Convention) => tf.LayersModel,
  read: (s: ModelSummary) => R,
  conventions: readonly Convention[] = CONVENTIONS,
): R {
  const [first, ...others] = conventions.map((conv) => ({
    conv,
    value: withModel(build(conv), (m) => read(summarize(m))),
  }));
  if (!first) throw new Error('no conventions');
  for (const o of others)
    if (JSON.stringify(o.value) !== JSON.stringify(first.value))
      throw new Error(`${what}: '${o.conv.name}' has another canonical form than '${first.conv.name}'`);
  return first.value;
}

/** The reference's counts in canonical form, and what conv bias and BN on its projections would add. */
const referenceCounts = (s: ModelSummary) => ({
  ...paramTotals(s.rows),
  rows: s.rows.map((r) => [r.kind, r.trainable, r.total] as [string, number, number]),
  ...s.optional,
});

function layoutOf(s: ModelSummary): NetLayout {
  if ('error' in s.layout) throw new Error(s.layout.error);
  return s.layout;
}

function blockShapes(fn: BlockFn, cases: BlockCase[]): CheckExpectation {
  return {
    kind: 'block-shapes',
    cases: cases.map((k) => ({
      ...k,
      output: canonicalOf(
        `${fn} shapes`,
        (conv) => blockModel(fn, conv, k),
        (s) => s.shapes.output,
      ),
    })),
  };
}

function blockParams(fn: BlockFn, cases: BlockCase[]): CheckExpectation {
  return {
    kind: 'block-params',
    cases: cases.map((k) => ({
      ...k,
      reference: canonicalOf(`${fn} params`, (conv) => blockModel(fn, conv, k), referenceCounts),
    })),
  };
}

function blockStructure(fn: BlockFn, cases: BlockCase[]): CheckExpectation {
  return {
    kind: 'block-structure',
    cases: cases.map((k) => {
      const block = asBlock(canonicalOf(`${fn} structure`, (conv) => blockModel(fn, conv, k), layoutOf));
      if ('error' in block) throw new Error(`${fn}: the reference block: ${block.error}`);
      return { ...k, ...block };
    }),
  };
}

function netShapes(fn: 'bottleneckResnet' | 'preactResnet18', cases: NetCase[]): CheckExpectation {
  return {
    kind: 'net-shapes',
    cases: cases.map((k) => {
      const s = canonicalOf(
        `${fn} shapes`,
        (conv) => netModel(fn, conv, k),
        (x) => x.shapes,
        NET_CONVENTIONS,
      );
      return { ...k, stem: s.stem ?? [], stages: s.stages, output: s.output };
    }),
  };
}

function netParams(fn: 'bottleneckResnet' | 'preactResnet18', cases: NetCase[]): CheckExpectation {
  return {
    kind: 'net-params',
    cases: cases.map((k) => ({
      ...k,
      reference: canonicalOf(`${fn} params`, (conv) => netModel(fn, conv, k), referenceCounts, NET_CONVENTIONS),
    })),
  };
}

function netStructure(fn: 'bottleneckResnet' | 'preactResnet18', cases: NetCase[]): CheckExpectation {
  return {
    kind: 'net-structure',
    cases: cases.map((k) => {
      const layout = canonicalOf(`${fn} structure`, (conv) => netModel(fn, conv, k), layoutOf, NET_CONVENTIONS);
      // Runs of identical blocks keep the file small (ResNet-152 has 50 blocks, in 8 runs).
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
}

/** The training budgets; thresholds are measured from the reference (see grader/README.md). */
const TRAINING_DEFAULT: CheckExpectation = {
  kind: 'training',
  profiles: {
    'cpu-small': {
      inputShape: [28, 28, 1],
      subset: 'embedded',
      batchSize: 64,
      numEpochs: 2,
      lr: 0.1,
      maxBatchesPerEpoch: 30,
      minTestAcc: 0.5,
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

/** The measured thresholds, read entry by entry: a schema change elsewhere in the file must not reset them. */
function previousTraining(file: string, id: string): CheckExpectation {
  if (!existsSync(file)) return TRAINING_DEFAULT;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { checks?: Record<string, unknown> };
  const entry = Training.safeParse(raw.checks?.[id]);
  return entry.success ? entry.data : TRAINING_DEFAULT;
}

const BLOCK_FNS = new Set<string>(['bottleneck', 'preactResidual']);

/** The expected data of one check, for the manifest's cases. */
function expectationOf(c: ManifestCheck, previous: string): CheckExpectation {
  const block = BLOCK_FNS.has(c.target);
  const fn = c.target as BlockFn;
  const net = c.target as 'bottleneckResnet' | 'preactResnet18';
  switch (c.kind) {
    case 'builds':
      return block ? { kind: 'block-builds', cases: blockCases(c.id) } : { kind: 'net-builds', cases: netCases(c.id) };
    case 'shapes':
      return block ? blockShapes(fn, blockCases(c.id)) : netShapes(net, netCases(c.id));
    case 'params':
      return block ? blockParams(fn, blockCases(c.id)) : netParams(net, netCases(c.id));
    case 'structure':
      return block ? blockStructure(fn, blockCases(c.id)) : netStructure(net, netCases(c.id));
    case 'identity':
      return { kind: 'block-identity', case: blockCases(c.id)[0] as BlockCase, expect: c.expect ?? 'relu' };
    case 'training':
      return previousTraining(previous, c.id);
  }
}

function expectedFor(checks: readonly ManifestCheck[], previous: string): ExpectedFile {
  return {
    // The authoring step's name: packages/assign writes this very data from the reference.
    generatedBy: 'npx pnpm@10 assign',
    checks: Object.fromEntries(checks.map((c) => [c.id, expectationOf(c, previous)])),
  };
}

export function makePublic(): ExpectedFile {
  return expectedFor(ASSIGNMENT.manifest.checks, PUBLIC_FILE);
}

export function makeHidden(): ExpectedFile {
  return expectedFor(HIDDEN_CHECKS, HIDDEN_FILE);
}

export function serialize(file: ExpectedFile): string {
  return `${JSON.stringify(ExpectedSchema.parse(file))}\n`;
}

const SOLUTION = ASSIGNMENT.reference;
const MEASURE_SEEDS = [0, 1, 2];

/**
 * Train the reference's blocks under each seed with the current budget (on this machine's backend, so
 * the profile matching it) and set each threshold to the worst run minus the margin.
 */
async function measureTraining(): Promise<void> {
  const { gradeSubmission } = await import('../src/grade.ts');
  const file = ExpectedSchema.parse(JSON.parse(readFileSync(PUBLIC_FILE, 'utf8')));
  for (const id of ['bottleneck.training', 'preact.training']) {
    const accs: number[] = [];
    let profileName = 'cpu-small';
    for (const seed of MEASURE_SEEDS) {
      const report = await gradeSubmission({
        submissionDir: SOLUTION,
        checks: [id],
        seed,
        backend: (process.env.GRADER_BACKEND ?? 'auto') as 'auto',
      });
      profileName = report.trainingProfile;
      const last = report.checks.find((c) => c.id === id)?.details?.curve?.at(-1);
      if (last?.testAcc === undefined) throw new Error(`${id}: the reference did not train (seed ${seed})`);
      accs.push(last.testAcc);
    }
    const entry = file.checks[id];
    if (entry?.kind !== 'training') throw new Error(`${id}: no training entry`);
    const profile = entry.profiles[profileName as 'cpu-small' | 'gpu-long'];
    profile.referenceTestAcc = Math.round(Math.min(...accs) * 1000) / 1000;
    profile.minTestAcc = Math.round((profile.referenceTestAcc - profile.margin) * 100) / 100;
    console.log(
      `${id} (${profileName}): reference test acc ${accs.map((a) => a.toFixed(3)).join(', ')} → threshold ${profile.minTestAcc}`,
    );
  }
  writeFileSync(PUBLIC_FILE, serialize(file));
}

async function main(): Promise<void> {
  if (process.argv.includes('--measure-training')) return measureTraining();
  await tf.setBackend('cpu');
  const check = process.argv.includes('--check');
  const outputs: Array<[string, string]> = [
    [PUBLIC_FILE, serialize(makePublic())],
    [HIDDEN_FILE, serialize(makeHidden())],
  ];
  let stale = false;
  for (const [file, text] of outputs) {
    const same = existsSync(file) && readFileSync(file, 'utf8') === text;
    if (check) {
      if (!same) console.error(`${file} is stale: run npx tsx grader/scripts/make-expected.ts`);
      stale ||= !same;
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${file} (${(text.length / 1024).toFixed(0)} KB)`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`make-expected: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
