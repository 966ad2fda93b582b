// Hostile: prints a fake perfect report and a fake reply, then exits "successfully" before any check.
const fake = {
  score: 80,
  maxScore: 80,
  checks: [{ id: 'bottleneck.shapes', status: 'passed', score: 6, maxScore: 6 }],
};
process.stdout.write(`${JSON.stringify(fake)}\n`);
process.send?.(
  JSON.stringify({
    type: 'built',
    key: 'bottleneck|6x6x12|3|s1|id',
    topology: { class_name: 'Model', config: { layers: [] } },
  }),
);
process.send?.({ type: 'passed', score: 80 });
process.exit(0);

export function bottleneck(): never {
  throw new Error('unreachable');
}
export function bottleneckResnet(): never {
  throw new Error('unreachable');
}
