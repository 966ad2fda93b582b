// Hostile: at load time, before the grader's runner, sends for every build it is asked for a hand-made
// topology of three 10000×10000 dense layers (300 M parameters, 1.2 GB of weights if rebuilt), then
// silences process.send so the runner's own replies never leave: the grader gets exactly one reply
// per key, each a few hundred bytes of JSON. Any exports work: this file serves as either student file.
const dense = (name: string, from: string) => ({
  name,
  class_name: 'Dense',
  config: { name, units: 10000, use_bias: true, activation: 'linear' },
  inbound_nodes: [[[from, 0, 0, {}]]],
});
const topology = {
  class_name: 'Model',
  config: {
    name: 'giant',
    layers: [
      {
        name: 'x',
        class_name: 'InputLayer',
        config: { name: 'x', batch_input_shape: [null, 10000] },
        inbound_nodes: [],
      },
      dense('d1', 'x'),
      dense('d2', 'd1'),
      dense('d3', 'd2'),
    ],
    input_layers: [['x', 0, 0]],
    output_layers: [['d3', 0, 0]],
  },
};
const asked = JSON.parse(process.argv[2] ?? '[]') as Array<{ key: string }>;
for (const { key } of asked) process.send?.(JSON.stringify({ type: 'built', key, topology }));
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
