import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
const cli = fileURLToPath(new URL('./backends.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(tsx, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('pnpm backends', () => {
  it('prints one line per path, what auto picks, and the CPU-path note when no GPU loads', () => {
    const out = run('--no-webgpu');
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.slice(0, 6).map((l) => l.split(/\s+/)[0])).toEqual([
      'tensorflow-gpu',
      'tensorflow-cpu',
      'onednn',
      'webgpu',
      'wasm',
      'cpu',
    ]);
    // The native CPU kernels: their device with version, ISA and threads, or one line on why they are off and how to get them.
    expect(lines[2]).toMatch(
      /^onednn\s+(available\s+cpu \(oneDNN \d+\.\d+\.\d+, \w+, \d+ threads?\)|unavailable\s+oneDNN .*npx pnpm@10 rebuild @course\/onednn.*)$/,
    );
    expect(lines[3]).toMatch(/^webgpu\s+not-probed\s+skipped \(--no-webgpu\)$/);
    expect(lines[5]).toMatch(/^cpu\s+available\s+cpu \(pure JavaScript\)$/);
    const auto = lines.find((l) => l.startsWith('auto → '));
    expect(auto).toBeDefined();
    if (!auto?.includes('[GPU]')) expect(lines.at(-1)).toMatch(/^note: no GPU backend; the CPU path ran .*To get it: /);
  });

  it('--json carries the same facts for scripts', () => {
    const out = run('--json', '--no-webgpu');
    expect(out.status).toBe(0);
    const got = JSON.parse(out.stdout) as {
      paths: { label: string; state: string }[];
      auto: { gpu: boolean };
      note: string | null;
    };
    expect(got.paths).toHaveLength(6);
    expect(got.paths.every((p) => ['available', 'unavailable', 'not-probed'].includes(p.state))).toBe(true);
    expect(got.note === null).toBe(got.auto.gpu);
  });

  it('rejects an unknown flag with the usage line and exit code 2', () => {
    const out = run('--bogus');
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('usage: pnpm backends [--json] [--no-webgpu]');
  });
});
