// `pnpm backends`: each backend path's status in one line, then what `--backend auto` picks here.
import { parseArgs } from 'node:util';
import { fallbackNote, releaseBackend, useBackend } from '../backend.ts';
import { formatProbe, gpuMark, probeBackends } from '../backend-probe.ts';

const USAGE = 'usage: pnpm backends [--json] [--no-webgpu]';

async function main(argv: string[]): Promise<number> {
  let values: { json?: boolean; 'no-webgpu'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, 'no-webgpu': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const paths = await probeBackends({ webgpu: !values['no-webgpu'] });
  const auto = await useBackend('auto', { quiet: true });
  const note = fallbackNote(auto);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ paths, auto, note: note ?? null }, null, 2)}\n`);
    return 0;
  }
  for (const line of formatProbe(paths)) process.stdout.write(`${line}\n`);
  process.stdout.write(`auto → ${auto.name}: ${auto.device}${gpuMark(auto)}\n`);
  const profile = auto.gpu ? 'the GPU profile (longer run, higher threshold)' : 'the CPU profile (small budget)';
  process.stdout.write(`the grader's training check uses ${profile}\n`);
  if (note) process.stdout.write(`${note}\n`);
  return 0;
}

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`backends: ${(err as Error).message?.split('\n')[0] ?? String(err)}\n`);
      process.exitCode = 1;
    },
  )
  .finally(releaseBackend);
