// Hostile: at load time, before the grader's runner, sends for every build it is asked for a hand-made
// topology of tf.sequential models nested 5,000 deep (a few hundred kilobytes of JSON; any recursive walk
// of it in the grader, its own or TF.js's, would overflow the stack), then silences process.send so the
// runner's own replies never leave. Written as text: JSON.stringify would overflow this child's stack first.
// Any exports work: this file serves as either student file.
const DEPTH = 5000;
const leaf = '{"class_name":"ReLU","config":{"name":"r"}}';
const topology = `${'{"class_name":"Sequential","config":{"name":"s","layers":['.repeat(DEPTH)}${leaf}${']}}'.repeat(DEPTH)}`;
const asked = JSON.parse(process.argv[2] ?? '[]') as Array<{ key: string }>;
for (const { key } of asked) process.send?.(`{"type":"built","key":${JSON.stringify(key)},"topology":${topology}}`);
process.send = () => true;

export function bottleneck(x: unknown): unknown {
  return x;
}
export function bottleneckResnet(): unknown {
  return undefined;
}
export function preactResidual(x: unknown): unknown {
  return x;
}
export function preactResnet18(): unknown {
  return undefined;
}
