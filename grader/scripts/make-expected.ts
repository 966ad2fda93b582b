// Generate the checks' expected data from the accepted conventions (variants.ts), cross-checked against
// the reference solution in packages/resnet/src/solution/. Run after changing a case table:
//   npx tsx grader/scripts/make-expected.ts            (writes assignments/resnet/checks/expected.json
//                                                        and grader/hidden/expected.json)
//   npx tsx grader/scripts/make-expected.ts --check    (exit 1 when either file is stale)
// Training thresholds are measured separately (see docs in grader/README.md) and carried over.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { paramRows, paramTotals, readBlock, stageShapes } from '../src/analysis/graph.ts';
import type { BlockCase, CheckExpectation, ExpectedFile, NetCase } from '../src/expected.ts';
import { ExpectedFile as ExpectedSchema } from '../src/expected.ts';
import { HIDDEN_EXPECTED_FILE as HIDDEN_FILE, EXPECTED_FILE as PUBLIC_FILE } from '../src/grade.ts';
import {
  bottleneckResnetVariant,
  bottleneckVariant,
  CONVENTIONS,
  type Convention,
  conventionName,
  preactResnet18Variant,
  preactVariant,
} from './variants.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// The grader reads these very files, so their paths come from it.
export { HIDDEN_FILE, PUBLIC_FILE };

type BlockFn = 'bottleneck' | 'preactResidual';
const c = (inputShape: number[], numChannels: number, strides = 1, use1x1conv = false): BlockCase => ({
  inputShape,
  numChannels,
  options: { strides, use1x1conv },
});

/** Public block cases, including the chapter's own ([4,6,6,3] → Residual(3) and Residual(6, 1x1, /2)). */
const BLOCK_CASES: Record<
  BlockFn,
  { shapes: BlockCase[]; structure: BlockCase[]; identity: BlockCase; hidden: BlockCase[] }
> = {
  bottleneck: {
    shapes: [c([6, 6, 12], 3), c([6, 6, 3], 6, 2, true), c([8, 8, 16], 4, 1, true), c([7, 7, 8], 4, 2, true)],
    structure: [c([6, 6, 12], 3), c([6, 6, 3], 6, 2, true)],
    identity: c([6, 6, 12], 3),
    hidden: [c([10, 10, 32], 8), c([9, 9, 16], 16, 2, true), c([5, 5, 7], 2, 1, true)],
  },
  preactResidual: {
    shapes: [c([6, 6, 3], 3), c([6, 6, 3], 6, 2, true), c([8, 8, 4], 8, 1, true), c([7, 7, 4], 8, 2, true)],
    structure: [c([6, 6, 3], 3), c([6, 6, 3], 6, 2, true)],
    identity: c([6, 6, 4], 4),
    hidden: [c([10, 10, 5], 5), c([9, 9, 4], 12, 2, true), c([5, 5, 8], 3, 1, true)],
  },
};

const DEEP_CASES: NetCase[] = [50, 101, 152].map((depth) => ({ depth: depth as 50 | 101 | 152, options: {} }));
const PREACT_NET_CASES: NetCase[] = [{ options: {} }];
const PREACT_NET_HIDDEN: NetCase[] = [{ options: { inputShape: [64, 64, 3], numClasses: 5 } }];

function blockModel(fn: BlockFn, conv: Convention, k: BlockCase): tf.LayersModel {
  const block = fn === 'bottleneck' ? bottleneckVariant(conv) : preactVariant(conv);
  const input = tf.input({ shape: k.inputShape });
  return tf.model({ inputs: input, outputs: block(input, k.numChannels, k.options) });
}

function netModel(fn: 'bottleneckResnet' | 'preactResnet18', conv: Convention, k: NetCase): tf.LayersModel {
  return fn === 'bottleneckResnet'
    ? bottleneckResnetVariant(conv, k.depth ?? 50, k.options)
    : preactResnet18Variant(conv, k.options);
}

/** Run `f` on a model, then free its weights. */
function withModel<R>(model: tf.LayersModel, f: (m: tf.LayersModel) => R): R {
  try {
    return f(model);
  } finally {
    tf.disposeVariables();
  }
}

function uniq(lists: string[][]): string[][] {
  const seen = new Map(lists.map((l) => [l.join(' '), l]));
  return [...seen.values()];
}

/** One entry per bias convention (the stride position and shortcut input do not change counts). */
const BIAS_CONVENTIONS = CONVENTIONS.filter((v) => v.strideOn === '3x3' && v.preactShortcut === 'x');

function conventions(build: (conv: Convention) => tf.LayersModel) {
  return BIAS_CONVENTIONS.map((conv) =>
    withModel(build(conv), (m) => {
      const rows = paramRows(m);
      return {
        name: conventionName(conv),
        ...paramTotals(rows),
        rows: rows.map((r) => [r.kind, r.trainable, r.total] as [string, number, number]),
      };
    }),
  );
}

function blockShapes(fn: BlockFn, cases: BlockCase[]): CheckExpectation {
  return {
    kind: 'block-shapes',
    cases: cases.map((k) => ({
      ...k,
      output: withModel(blockModel(fn, CONVENTIONS[0] as Convention, k), (m) => stageShapes(m).output),
    })),
  };
}

function blockParams(fn: BlockFn, cases: BlockCase[]): CheckExpectation {
  return {
    kind: 'block-params',
    cases: cases.map((k) => ({ ...k, conventions: conventions((conv) => blockModel(fn, conv, k)) })),
  };
}

function blockStructure(fn: BlockFn, cases: BlockCase[]): CheckExpectation {
  return {
    kind: 'block-structure',
    cases: cases.map((k) => {
      const found = CONVENTIONS.map((conv) =>
        withModel(blockModel(fn, conv, k), (m) => {
          const b = readBlock(m);
          if ('error' in b) throw new Error(`variant ${JSON.stringify(conv)}: ${b.error}`);
          return b;
        }),
      );
      return {
        ...k,
        branch: uniq(found.map((b) => b.branch)),
        shortcut: uniq(found.map((b) => b.shortcut)),
        after: uniq(found.map((b) => b.after)),
      };
    }),
  };
}

function netShapes(fn: 'bottleneckResnet' | 'preactResnet18', cases: NetCase[]): CheckExpectation {
  return {
    kind: 'net-shapes',
    cases: cases.map((k) => {
      const s = withModel(netModel(fn, CONVENTIONS[0] as Convention, k), stageShapes);
      return { ...k, stem: s.stem ?? [], stages: s.stages, output: s.output };
    }),
  };
}

function netParams(fn: 'bottleneckResnet' | 'preactResnet18', cases: NetCase[]): CheckExpectation {
  return {
    kind: 'net-params',
    cases: cases.map((k) => ({ ...k, conventions: conventions((conv) => netModel(fn, conv, k)) })),
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

function previousTraining(file: string, id: string): CheckExpectation {
  if (!existsSync(file)) return TRAINING_DEFAULT;
  const prev = ExpectedSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  const entry = prev.success ? prev.data.checks[id] : undefined;
  return entry?.kind === 'training' ? entry : TRAINING_DEFAULT;
}

export function makePublic(): ExpectedFile {
  const b = BLOCK_CASES.bottleneck;
  const p = BLOCK_CASES.preactResidual;
  return {
    generatedBy: 'grader/scripts/make-expected.ts',
    checks: {
      'deep.builds': { kind: 'net-builds', cases: DEEP_CASES },
      'deep.shapes': netShapes('bottleneckResnet', DEEP_CASES),
      'deep.params': netParams('bottleneckResnet', DEEP_CASES),
      'bottleneck.builds': { kind: 'block-builds', cases: b.shapes },
      'bottleneck.shapes': blockShapes('bottleneck', b.shapes),
      'bottleneck.params': blockParams('bottleneck', b.shapes),
      'bottleneck.structure': blockStructure('bottleneck', b.structure),
      'bottleneck.identity': { kind: 'block-identity', case: b.identity, expect: 'relu' },
      'bottleneck.training': previousTraining(PUBLIC_FILE, 'bottleneck.training'),
      'preact.builds': { kind: 'block-builds', cases: p.shapes },
      'preact.shapes': blockShapes('preactResidual', p.shapes),
      'preact.params': blockParams('preactResidual', p.shapes),
      'preact.structure': blockStructure('preactResidual', p.structure),
      'preact.identity': { kind: 'block-identity', case: p.identity, expect: 'identity' },
      'preact.training': previousTraining(PUBLIC_FILE, 'preact.training'),
      'preact-net.shapes': netShapes('preactResnet18', PREACT_NET_CASES),
      'preact-net.params': netParams('preactResnet18', PREACT_NET_CASES),
    },
  };
}

export function makeHidden(): ExpectedFile {
  return {
    generatedBy: 'grader/scripts/make-expected.ts',
    checks: {
      'hidden.bottleneck.shapes': blockShapes('bottleneck', BLOCK_CASES.bottleneck.hidden),
      'hidden.bottleneck.params': blockParams('bottleneck', BLOCK_CASES.bottleneck.hidden),
      'hidden.preact.shapes': blockShapes('preactResidual', BLOCK_CASES.preactResidual.hidden),
      'hidden.preact-net.shapes': netShapes('preactResnet18', PREACT_NET_HIDDEN),
    },
  };
}

export function serialize(file: ExpectedFile): string {
  return `${JSON.stringify(ExpectedSchema.parse(file))}\n`;
}

const SOLUTION = join(root, 'packages/resnet/src/solution');
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
