// A student's own network, for `pnpm train --submission FILE` and `pnpm resnet summary --submission FILE`.
// The file is the student's, run on their own machine (no sandbox: the grader's sandbox is for grading
// other people's code). Its outline (stem, stages, head, counts) is set beside the reference's, or, in the
// student release where the reference networks are stripped, beside the assignment's expected data.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Assignment, AssignmentError, assignmentFor, loadAssignment, loadExpected } from '@course/core';
import { summary } from '@course/d2l';
import type * as tf from '@tensorflow/tfjs';
import { buildArch } from './archs.ts';

export interface NetOptions {
  inputShape?: [number, number, number];
  numClasses?: number;
}

/** The network builders a submission may export, how each is called, and the reference it is set against. */
/** A network builder as exported by the student's file (its arguments are the builder's own). */
type Builder = (...args: unknown[]) => unknown;

const BUILDERS: Record<
  string,
  { call(fn: Builder, o: NetOptions, depth: number): unknown; arch(depth: number): string }
> = {
  preactResnet18: { call: (fn, o) => fn(o), arch: () => 'preact-resnet18' },
  bottleneckResnet: { call: (fn, o, depth) => fn(depth, o), arch: (depth) => `resnet${depth}` },
  resnet18: { call: (fn, o) => fn(o), arch: () => 'resnet18' },
  resnet34: { call: (fn, o) => fn(o), arch: () => 'resnet34' },
};

export interface SubmissionNetwork {
  /** The exported function, e.g. `bottleneckResnet`. */
  fn: string;
  /** How it reads in a listing: `bottleneckResnet(50)`. */
  label: string;
  /** The reference architecture (`pnpm resnet summary --arch`) it is compared with. */
  arch: string;
  depth: number;
  build(options: NetOptions): tf.LayersModel;
}

/** Imports the student's file and picks its network builder (`fn`, or the only one it exports). */
export async function loadSubmissionNetwork(
  file: string,
  opts: { fn?: string; depth?: number } = {},
): Promise<SubmissionNetwork> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`--submission: no file '${file}'`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    if (/Cannot find (package|module) '@tensorflow\/tfjs'/.test(message ?? ''))
      throw new Error(
        `${file} cannot import @tensorflow/tfjs from where it lies; keep it inside the repository (e.g. assignments/resnet/src/)`,
      );
    throw new Error(`${file} failed to load: ${message}`);
  }
  const found = Object.keys(BUILDERS).filter((name) => typeof mod[name] === 'function');
  const fn = opts.fn ?? found[0];
  if (!fn || typeof mod[fn] !== 'function')
    throw new Error(
      `${file} exports no network builder${opts.fn ? ` named ${opts.fn}` : ''} (one of ${Object.keys(BUILDERS).join(', ')})`,
    );
  const builder = BUILDERS[fn] ?? { call: (f: Builder, o: NetOptions) => f(o), arch: () => fn };
  const depth = opts.depth ?? 50;
  const usesDepth = fn === 'bottleneckResnet';
  return {
    fn,
    label: `${fn}(${usesDepth ? depth : ''})`,
    arch: builder.arch(depth),
    depth,
    build(options) {
      const model = builder.call(mod[fn] as Builder, options, depth);
      if (!model || typeof (model as tf.LayersModel).countParams !== 'function')
        throw new Error(`${fn} returned ${model === undefined ? 'nothing' : 'something else'}, not a tf.LayersModel`);
      return model as tf.LayersModel;
    },
  };
}

type Shape = readonly (number | null)[];
const fmt = (s: Shape) => `[${s.filter((v) => v !== null).join(',')}]`;
const num = (n: number) => n.toLocaleString('en-US');
type Layer = tf.layers.Layer;

function inputsOf(layer: Layer): Layer[] {
  return layer.inboundNodes.flatMap((n) => n.inboundLayers);
}

/**
 * The network as stem, stages and head, found from its graph: every Add is a residual block, a stage is a
 * run of blocks with the same output shape, the stem is what precedes the first block's input.
 */
export function networkOutline(model: tf.LayersModel): string[] {
  const layers = model.layers;
  const adds = layers.filter((l) => l.getClassName() === 'Add');
  const ancestors = (start: Layer): Set<Layer> => {
    const seen = new Set<Layer>();
    const queue = [start];
    while (queue.length) {
      const l = queue.pop() as Layer;
      if (seen.has(l)) continue;
      seen.add(l);
      queue.push(...inputsOf(l));
    }
    return seen;
  };
  const lines: string[] = [];
  const first = adds[0];
  if (first) {
    const [a, b] = inputsOf(first);
    const shared = a && b ? [...ancestors(a)].filter((l) => ancestors(b).has(l)) : [];
    // The block's input: the latest layer both paths come from.
    const blockInput = layers.filter((l) => shared.includes(l)).at(-1);
    if (blockInput) lines.push(`stem          → ${fmt(blockInput.outputShape as Shape)}`);
    let stage = 0;
    let count = 0;
    let shape = '';
    const flush = () => {
      if (count) lines.push(`stage ${stage}: ${count} block${count > 1 ? 's' : ''} → ${shape}`);
    };
    for (const add of adds) {
      const s = fmt(add.outputShape as Shape);
      if (s !== shape) {
        flush();
        stage++;
        count = 0;
        shape = s;
      }
      count++;
    }
    flush();
  }
  const last = adds.at(-1);
  const after = last ? layers.slice(layers.indexOf(last) + 1) : layers;
  const head = after.filter(
    (l) => !['ReLU', 'Activation', 'BatchNormalization'].includes(l.getClassName()) || after.at(-1) === l,
  );
  lines.push(`head: ${head.map((l) => `${l.getClassName()} ${fmt(l.outputShape as Shape)}`).join(', ')}`);
  const s = summary(model);
  lines.push(`trainable ${num(s.trainableParams)} · total ${num(s.totalParams)}`);
  return lines;
}

/** The reference's outline from the assignment's public expected data (what a student release has). */
export function expectedOutline(file: string, net: SubmissionNetwork): string[] | undefined {
  let assignment: Assignment;
  try {
    assignment = loadAssignment(assignmentFor(dirname(resolve(file))));
  } catch (err) {
    if (err instanceof AssignmentError) return undefined; // a copy without the assignment's folder
    throw err;
  }
  if (!existsSync(assignment.expectedFile)) return undefined;
  const expected = loadExpected(assignment.expectedFile);
  const args = net.fn === 'bottleneckResnet' ? [net.depth] : [];
  const mine = assignment.manifest.checks.filter((c) => c.target === net.fn).map((c) => expected.checks[c.id]);
  const sameArgs = (k: { args: unknown[] }) => JSON.stringify(k.args) === JSON.stringify(args);
  const shapes = mine.flatMap((e) => (e?.kind === 'net-shapes' ? e.cases : [])).find(sameArgs);
  const params = mine.flatMap((e) => (e?.kind === 'net-params' ? e.cases : [])).find(sameArgs);
  if (!shapes && !params) return undefined;
  const lines: string[] = [];
  if (shapes) {
    lines.push(`stem          → ${fmt(shapes.stem)}`);
    for (const [i, s] of shapes.stages.entries())
      lines.push(`stage ${i + 1}: ${s.blocks} block${s.blocks > 1 ? 's' : ''} → ${fmt(s.shape)}`);
    lines.push(`head: … → ${fmt(shapes.output)}`);
  }
  if (params) lines.push(`trainable ${num(params.reference.trainable)} · total ${num(params.reference.total)}`);
  return lines;
}

/**
 * The reference's outline: its own network where this copy has it, else (the student release, where the
 * exercises' reference networks are stubs) the assignment's expected data, which is for the default input.
 */
export function referenceOutline(
  file: string,
  net: SubmissionNetwork,
  options: NetOptions,
): { title: string; lines: string[] } {
  let model: tf.LayersModel | undefined;
  try {
    model = buildArch(net.arch, { weights: 'zeros', inputShape: options.inputShape, numClasses: options.numClasses });
    return { title: `reference ${net.arch}`, lines: networkOutline(model) };
  } catch (err) {
    const lines = expectedOutline(file, net);
    if (lines) return { title: `expected (this assignment's data for ${net.label}, default input)`, lines };
    throw err;
  } finally {
    model?.dispose();
  }
}

/** Two listings in two columns, with a ≠ between rows that differ. */
export function besideEachOther(
  left: { title: string; lines: string[] },
  right: { title: string; lines: string[] },
): string {
  const width = Math.max(left.title.length, ...left.lines.map((l) => l.length)) + 2;
  const rows = Math.max(left.lines.length, right.lines.length);
  const out = [
    `${left.title.padEnd(width)}  ${right.title}`,
    `${'-'.repeat(width)}  ${'-'.repeat(right.title.length)}`,
  ];
  for (let i = 0; i < rows; i++) {
    const a = left.lines[i] ?? '';
    const b = right.lines[i] ?? '';
    out.push(`${a.padEnd(width)}${a && b && a !== b ? '≠ ' : '  '}${b}`.trimEnd());
  }
  return out.join('\n');
}
