// Runs INSIDE the sandboxed child, bundled by esbuild with TF.js and one student file into plain JS
// (tsx cannot load under the permission model). It builds the requested models with the student's
// functions and sends back each model's topology; everything else about the child is distrusted.
import * as tf from '@tensorflow/tfjs';
import type { BuildItem } from './protocol.ts';

type Student = Record<string, unknown>;

function send(message: unknown): void {
  process.send?.(JSON.stringify(message));
}

/** Keep only stack frames in the student's own files (source-mapped), never the grader's. */
function studentFrames(err: unknown, files: readonly string[]): string[] {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line) && files.some((f) => line.includes(f)))
    .map((line) => line.trim().slice(0, 500))
    .slice(0, 20);
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return text.slice(0, 2000);
}

function fnOf(student: Student, name: string): ((...args: unknown[]) => unknown) | undefined {
  const value = student[name];
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown) : undefined;
}

type StudentFn = (...args: unknown[]) => unknown;

function asSymbolic(value: unknown, fn: string): tf.SymbolicTensor {
  if (!(value instanceof tf.SymbolicTensor))
    throw new NotATensor(`${fn} returned ${describe(value)}, not a tf.SymbolicTensor`);
  return value;
}

class NotATensor extends Error {}
class NotAModel extends Error {}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined (missing return?)';
  if (value === null) return 'null';
  if (value instanceof tf.Tensor) return 'a concrete tf.Tensor';
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : `a ${typeof value}`;
}

type LayerFactory = (config?: object) => { apply(x: tf.SymbolicTensor): unknown };

/** The training check's small network, step by step as the manifest lists it, around the student's block. */
function trainNet(block: StudentFn, item: Extract<BuildItem, { kind: 'trainnet' }>): tf.LayersModel {
  const input = tf.input({ shape: item.input });
  let x: tf.SymbolicTensor = input;
  for (const step of item.net) {
    if ('call' in step) x = asSymbolic(block(x, ...step.call), item.fn);
    else {
      const factory = (tf.layers as unknown as Record<string, LayerFactory | undefined>)[step.layer];
      if (typeof factory !== 'function') throw new Error(`the manifest's training net names no layer '${step.layer}'`);
      x = factory(step.config ?? {}).apply(x) as tf.SymbolicTensor;
    }
  }
  return tf.model({ inputs: input, outputs: x });
}

function build(student: Student, item: BuildItem): tf.LayersModel {
  const f = fnOf(student, item.fn);
  if (!f) throw Object.assign(new Error(`${item.fn} is not exported`), { missingExport: true });
  if (item.kind === 'block') {
    const input = tf.input({ shape: item.input });
    const output = asSymbolic(f(input, ...item.args), item.fn);
    return tf.model({ inputs: input, outputs: output });
  }
  if (item.kind === 'trainnet') return trainNet(f, item);
  const model = f(...item.args);
  if (!(model instanceof tf.LayersModel))
    throw new NotAModel(`${item.fn} returned ${describe(model)}, not a tf.LayersModel`);
  return model;
}

const RANDOM_INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heNormal',
  'heUniform',
  'leCunNormal',
  'leCunUniform',
  'randomNormal',
  'randomUniform',
  'truncatedNormal',
  'orthogonal',
  'zeros',
  'ones',
  'constant',
] as const;

/**
 * Only the topology leaves this process, so initial weights are wasted work (seconds for ResNet-152)
 * and wasted memory: every initializer returns a view of one shared zero buffer here (TF.js's CPU
 * backend keeps the array it is given), so ResNet-152's 230 MB of weights cost one layer's worth and
 * the child fits a small memory limit. Their configs, and so the topology, are unchanged.
 */
function zeroRandomInitializers(): void {
  let shared = new Float32Array(0);
  const zeros = (shape: number[], dtype?: tf.DataType) => {
    if (dtype !== undefined && dtype !== 'float32') return tf.zeros(shape, dtype);
    const size = shape.reduce((a, b) => a * b, 1);
    if (shared.length < size) shared = new Float32Array(size);
    return tf.tensor(shared.subarray(0, size), shape, 'float32');
  };
  for (const name of RANDOM_INITIALIZERS) {
    let proto = Object.getPrototypeOf(tf.initializers[name]({ seed: 0, value: 0 } as never)) as Record<
      string,
      unknown
    > | null;
    while (proto && proto !== Object.prototype) {
      if (Object.hasOwn(proto, 'apply')) proto.apply = zeros;
      proto = Object.getPrototypeOf(proto) as Record<string, unknown> | null;
    }
  }
}

/** Entry point: called by the bundle with the student's module namespace and the file names to keep in stacks. */
export function serve(load: () => Student, files: readonly string[]): void {
  // Keep the IPC channel referenced, so the replies still queued when the loop ends are delivered;
  // the grader ends this process once every reply is in (or at its time limit).
  process.on('message', () => {});
  zeroRandomInitializers();
  let student: Student;
  try {
    student = load();
  } catch (err) {
    send({ type: 'load-failed', message: messageOf(err), frames: studentFrames(err, files) });
    return;
  }
  // The request comes as an argument, not a message: the grader may be busy type-checking meanwhile.
  const items = JSON.parse(process.argv[2] ?? '[]') as BuildItem[];
  for (const item of items) {
    try {
      const model = build(student, item);
      send({ type: 'built', key: item.key, topology: model.toJSON(null, false) });
    } catch (err) {
      const reason =
        err instanceof NotATensor
          ? 'not-a-tensor'
          : err instanceof NotAModel
            ? 'not-a-model'
            : (err as { missingExport?: boolean }).missingExport
              ? 'missing-export'
              : 'exception';
      send({ type: 'failed', key: item.key, reason, message: messageOf(err), frames: studentFrames(err, files) });
    }
    // Building allocates every weight (ResNet-152: ~230 MB); free them before the next model.
    tf.disposeVariables();
  }
  // No disconnect here: it could drop replies still queued; the grader ends this process when all are in.
}

/** The student's `@tensorflow/tfjs` is this very module, so instanceof checks and layers agree. */
export { tf };
