// The command line as a user runs it: stdout carries only the answer, errors are one line and exit 1.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exerciseBodiesPresent, STRIPPED_REASON } from './test-exercise-bodies.ts';

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'cli.ts');

function resnet(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pnpm resnet', () => {
  const bodies = exerciseBodiesPresent();
  if (!bodies) console.log(`cli.test.ts: the resnet50 summary is skipped: ${STRIPPED_REASON}`);
  it.skipIf(!bodies)('summary --arch resnet50 --preset torchvision --json prints trainableParams 25557032', () => {
    const { code, stdout } = resnet('summary', '--arch', 'resnet50', '--preset', 'torchvision', '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ arch: 'resnet50', preset: 'torchvision', trainableParams: 25_557_032 });
    expect(out.outputShape).toEqual([null, 1000]);
  });

  it('ends a bad call with one line on stderr and exit code 1', () => {
    const { code, stdout, stderr } = resnet('summary', '--arch', 'resnet50', '--input', '224');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.split('\n').filter((l) => l.startsWith('resnet:'));
    expect(lines).toEqual(["resnet: --input wants 3 positive integers separated by commas, got '224'"]);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
