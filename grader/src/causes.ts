// Causes, not symptoms: the errors students actually hit, translated into what went wrong in their
// network and how to fix it, from what the grader can measure (the shapes TF.js names in its error, the
// TypeScript diagnostic and the student's source line, the stack of the student's own frames).
// One table; every row names the fixture under grader/test-submissions/ that makes the mistake, and
// causes.test.ts grades each fixture and checks that the first problem the text report names (its first
// type error, else its first failure) is the cause.

/** What a failure looks like to the grader. */
export type Evidence =
  | {
      kind: 'exception';
      /** The error's first line, as thrown in the sandboxed child. */
      message: string;
      /** The student's own stack frames, innermost first: `bottleneck (bottleneck.ts:26:10)`. */
      frames: readonly string[];
      /** What the grader asked for, when known: the function and, for a block, its options. */
      call?: {
        fn: string;
        inputShape?: readonly number[];
        numChannels?: number;
        options?: { strides?: number; use1x1conv?: boolean };
      };
    }
  | { kind: 'type-error'; code: number; text: string; source: string }
  | {
      kind: 'missing-export';
      /** The function the grader asked for. */
      fn: string;
      /** The name of the file's default export, read from the student's source in the grader ('' when anonymous). */
      defaultExport?: string;
    };

export interface Diagnosis {
  /** The row of CAUSES that matched. */
  id: string;
  /** One line: the cause, then the fix. */
  text: string;
}

export interface CauseRow {
  id: string;
  /** The mistake as a student makes it. */
  mistake: string;
  /** Its fixture folder in grader/test-submissions (holding only the file it gets wrong). */
  fixture: string;
  /** What the first problem line of the fixture's text report must say. */
  names: RegExp;
  diagnose(e: Evidence): string | undefined;
}

type Shape = number[];
const fmt = (s: Shape) => `[${s.join(',')}]`;
const spatial = (s: Shape) => s.slice(0, -1);
const channels = (s: Shape) => s[s.length - 1] ?? 0;
const sameSpatial = (a: Shape, b: Shape) => spatial(a).join() === spatial(b).join();

/** The two operand shapes of TF.js's broadcast error at an addition, smaller spatial size first. */
function additionShapes(e: Evidence): { small: Shape; large: Shape } | undefined {
  if (e.kind !== 'exception') return undefined;
  const m = /could not be broadcast together with shapes \[([\d,\s]*)\] \[([\d,\s]*)\]/.exec(e.message);
  if (!m) return undefined;
  const parse = (s: string) => s.split(',').filter(Boolean).map(Number);
  const a = parse(m[1] ?? '');
  const b = parse(m[2] ?? '');
  if (a.length !== b.length || a.length < 2) return undefined;
  const area = (s: Shape) => spatial(s).reduce((p, v) => p * v, 1);
  return area(a) <= area(b) ? { small: a, large: b } : { small: b, large: a };
}

/** How many more times one spatial size is halved than the other (1 for 12 → 6), if exactly so. */
function extraHalvings(small: Shape, large: Shape): number {
  for (let k = 1; k <= 3; k++)
    if (spatial(large).every((v, i) => Math.ceil(v / 2 ** k) === spatial(small)[i])) return k;
  return 0;
}

/** Whether the grader asked this block for a stride above 1 (unknown for a network's inner blocks). */
const strided = (e: Evidence) => e.kind === 'exception' && (e.call?.options?.strides ?? 1) > 1;

const lostPixels = (small: Shape, large: Shape) => (large[0] ?? 0) - (small[0] ?? 0);

/** TF.js tensor functions students call on symbolic tensors, and the layer that does the same in a model. */
const LAYER_FOR_OP: Record<string, string> = {
  add: 'tf.layers.add().apply([a, b])',
  addN: 'tf.layers.add().apply([a, b, ...])',
  relu: "tf.layers.reLU().apply(x) (or activation: 'relu' on the layer before)",
  mul: 'tf.layers.multiply().apply([a, b])',
  concat: 'tf.layers.concatenate().apply([a, b])',
  sigmoid: "tf.layers.activation({ activation: 'sigmoid' }).apply(x)",
  maxPool: 'tf.layers.maxPooling2d({ poolSize, strides }).apply(x)',
  avgPool: 'tf.layers.averagePooling2d({ poolSize, strides }).apply(x)',
  conv2d: 'tf.layers.conv2d({ filters, kernelSize }).apply(x)',
  mean: 'tf.layers.globalAveragePooling2d({}).apply(x)',
};

/** The tensor ops applied to symbolic tensors (outermost first), [] when unnamed, undefined if none. */
function tensorOpsIn(e: Evidence): string[] | undefined {
  if (e.kind === 'exception') {
    // TF.js: "Argument 'a' passed to 'add' must be a Tensor or TensorLike, but got 'SymbolicTensor'"
    const m = /passed to '(\w+)' must be a Tensor or TensorLike, but got 'SymbolicTensor\d*'/.exec(e.message);
    return m?.[1] ? [m[1]] : undefined;
  }
  if (e.kind !== 'type-error') return undefined;
  const symbolicVsTensor =
    (/'SymbolicTensor'/.test(e.text) && /Tensor<Rank>/.test(e.text)) ||
    /Type 'Tensor<Rank>' is missing the following properties from type 'SymbolicTensor'/.test(e.text);
  // The union of apply()'s return type is the missing-cast row's, not this one.
  if (!symbolicVsTensor || /SymbolicTensor \| SymbolicTensor\[\]/.test(e.text)) return undefined;
  return [...e.source.matchAll(/\btf\.(\w+)\s*\(/g)].map((m) => m[1] ?? '').filter((op) => op in LAYER_FOR_OP);
}

/** `at bottleneck.ts:26 (bottleneck), called from bottleneck.ts:40 (bottleneckResnet)` */
export function callChain(frames: readonly string[]): string {
  const parsed = frames.slice(0, 4).map((f) => {
    const m = /^(?:at\s+)?(?:(.+?)\s+\()?([^\s()]+?\.ts):(\d+):\d+\)?$/.exec(f.trim());
    return m ? { fn: m[1]?.replace(/^Object\./, ''), where: `${m[2]}:${m[3]}` } : undefined;
  });
  const parts = parsed.flatMap((p) => (p ? [`${p.where}${p.fn ? ` (${p.fn})` : ''}`] : []));
  if (parts.length === 0) return '';
  return `at ${parts[0]}${parts.length > 1 ? `, called from ${parts.slice(1).join(', from ')}` : ''}`;
}

const where = (e: Evidence) => (e.kind === 'exception' && e.frames.length ? ` (${callChain(e.frames)})` : '');

export const CAUSES: readonly CauseRow[] = [
  {
    id: 'padding-lost',
    mistake: "a 3×3 convolution without padding: 'same'",
    fixture: 'cause-no-padding',
    names: /residual branch lost 2 pixels.*padding: 'same'/,
    diagnose(e) {
      const s = additionShapes(e);
      if (!s || sameSpatial(s.small, s.large)) return undefined;
      const lost = lostPixels(s.small, s.large);
      // One halving more than the shortcut is the stride twice when it loses more than a 3×3 trims, or
      // when the block was asked to stride (4 → 2 there is ambiguous: the stride-twice row names both).
      if (extraHalvings(s.small, s.large) > 0 && (lost > 2 || strided(e))) return undefined;
      if (lost <= 0 || lost > 6) return undefined;
      return `the residual branch lost ${lost} pixel${lost === 1 ? '' : 's'}: the addition gets ${fmt(s.small)} from one path and ${fmt(s.large)} from the other, so it cannot broadcast them; give the 3×3 convolution padding: 'same' (a 'valid' 3×3 convolution trims a pixel on every side)${where(e)}`;
    },
  },
  {
    id: 'stride-twice',
    mistake: 'the block’s stride on both the first 1×1 and the 3×3 convolution',
    fixture: 'cause-stride-twice',
    names: /downsampled twice.*stride is applied twice/,
    diagnose(e) {
      const s = additionShapes(e);
      if (!s || sameSpatial(s.small, s.large) || channels(s.small) !== channels(s.large)) return undefined;
      if (extraHalvings(s.small, s.large) === 0) return undefined;
      if (lostPixels(s.small, s.large) <= 2)
        return `the residual branch is ${fmt(s.small)} where the shortcut is ${fmt(s.large)}, so the addition cannot broadcast them: the branch is downsampled twice (the stride is applied twice) or trimmed by a 3×3 convolution without padding: 'same'; apply the block's stride once on the branch (on the first 1×1 or on the 3×3) and pad the 3×3 with 'same'${where(e)}`;
      return `the residual branch is downsampled twice: the addition gets ${fmt(s.small)} from the branch and ${fmt(s.large)} from the shortcut, so it cannot broadcast them; the stride is applied twice on the branch: put the block's stride on the first 1×1 or on the 3×3 convolution, not both (and once on the 1×1 projection shortcut)${where(e)}`;
    },
  },
  {
    id: 'projection-missing',
    mistake: 'no 1×1 projection shortcut on a block that changes the channel count (ResNet-50’s first block)',
    fixture: 'cause-no-projection',
    names: /shortcut has 64 channels.*256.*use1x1conv/,
    diagnose(e) {
      const s = additionShapes(e);
      if (!s || channels(s.small) === channels(s.large)) return undefined;
      if (!sameSpatial(s.small, s.large) && extraHalvings(s.small, s.large) === 0) return undefined;
      const call = e.kind === 'exception' ? e.call : undefined;
      const input = call?.inputShape;
      // A block called without use1x1conv whose x is one of the operands: that one is the identity
      // shortcut, and the branch is the side that changed the channel count.
      const identity =
        !call?.options?.use1x1conv && input ? [s.small, s.large].find((o) => o.join() === input.join()) : undefined;
      if (identity) {
        const branch = identity === s.small ? s.large : s.small;
        return `the branch ends with ${channels(branch)} channels but its identity shortcut x has ${channels(identity)}: the addition cannot broadcast ${fmt(branch)} with ${fmt(identity)}; without use1x1conv the block must give back x's shape, so the branch's last convolution needs ${channels(identity)} filters${call?.numChannels ? ` (${channels(identity) / call.numChannels}·numChannels)` : ''}${where(e)}`;
      }
      const [narrow, wide] = [s.small, s.large].sort((a, b) => channels(a) - channels(b)) as [Shape, Shape];
      const strided = sameSpatial(s.small, s.large) ? '' : ' with the block’s stride';
      const fix =
        call?.options?.use1x1conv === true
          ? 'this block was called with use1x1conv: true, so its shortcut must be the 1×1 convolution (with the block’s stride), not x itself'
          : `a block that changes the channel count needs the 1×1 projection shortcut${strided}: call it with use1x1conv: true (in a network, the first block of each stage, here the stage of ${channels(wide)} channels, even when it does not downsample)`;
      return `the shortcut has ${channels(narrow)} channels but the branch ${channels(wide)}: the addition cannot broadcast ${fmt(narrow)} with ${fmt(wide)}; ${fix}${where(e)}`;
    },
  },
  {
    id: 'tensor-op-on-symbolic',
    mistake: 'tf.relu(tf.add(y, shortcut)) on the symbolic tensors of a model',
    fixture: 'cause-tensor-op',
    names: /tf\.add.*tensor op.*tf\.layers\.add\(\)/,
    diagnose(e) {
      const ops = tensorOpsIn(e);
      if (!ops) return undefined;
      const names = ops.length ? ops.map((op) => `tf.${op}`).join(' and ') : 'a tf.* tensor function';
      const layers = ops.length ? ops.map((op) => LAYER_FOR_OP[op]).join(' and ') : 'the matching tf.layers.* layer';
      return `${names} ${ops.length > 1 ? 'are tensor ops: they compute' : 'is a tensor op: it computes'} on concrete tensors, but a model is built from symbolic tensors, which only layers accept; use ${layers} instead${where(e)}`;
    },
  },
  {
    id: 'batch-in-input-shape',
    mistake: 'tf.input({ shape: [1, 96, 96, 1] }): the batch dimension written into the shape',
    fixture: 'cause-batch-in-shape',
    names: /tf\.input's shape leaves out the batch dimension/,
    diagnose(e) {
      // TF.js: "Input 0 is incompatible with layer conv2d_Conv2D1: expected ndim=4, found ndim=5"
      if (e.kind !== 'exception') return undefined;
      const m = /expected ndim=(\d+), found ndim=(\d+)/.exec(e.message);
      if (!m || Number(m[2]) !== Number(m[1]) + 1) return undefined;
      return `a layer expects ${m[1]}-dimensional input ([batch, height, width, channels]) and got ${m[2]} dimensions: tf.input's shape leaves out the batch dimension (TF.js adds it), so write tf.input({ shape: [96, 96, 1] }), not [1, 96, 96, 1]${where(e)}`;
    },
  },
  {
    id: 'default-export',
    mistake: 'a function exported as `export default function …` where the grader calls the named export',
    fixture: 'cause-default-export',
    names: /default export.*grader calls the named export/,
    diagnose(e) {
      if (e.kind !== 'missing-export' || e.defaultExport === undefined) return undefined;
      const what = e.defaultExport ? `function ${e.defaultExport}` : 'an anonymous function';
      return `${e.fn} is not exported by name: the file's default export is ${what}, but the grader calls the named export ${e.fn}; write \`export function ${e.fn}(...)\` (without \`default\`)`;
    },
  },
  {
    id: 'apply-needs-cast',
    mistake: 'returning layer.apply(x) without `as tf.SymbolicTensor`',
    fixture: 'cause-missing-cast',
    names: /apply\(\) is typed .* as tf\.SymbolicTensor/,
    diagnose(e) {
      if (e.kind !== 'type-error' || !/SymbolicTensor \| SymbolicTensor\[\]/.test(e.text)) return undefined;
      return 'layer.apply() is typed to return SymbolicTensor | SymbolicTensor[] | Tensor | Tensor[] (the same layer also runs on concrete tensors); say which you have: `layer.apply(x) as tf.SymbolicTensor`';
    },
  },
];

/** The first row that explains `e`, or undefined when no row does (the raw error is then shown). */
export function diagnose(e: Evidence): Diagnosis | undefined {
  for (const row of CAUSES) {
    const text = row.diagnose(e);
    if (text) return { id: row.id, text };
  }
  return undefined;
}
