// The GPU path graded for real: the reference, graded with `--backend webgpu` on SwiftShader (a software
// Vulkan GPU, from Debian's chromium), must pass every check, with the report naming the software adapter
// and the CPU training profile it gets. It runs the grader's own command line in a child, as a user would.
// Training is left out (--skip-training): SwiftShader runs TF.js's WebGPU kernels at 14–18 s of CPU per
// batch of the training check (docs/gpu.md), far past the 150 s a training run gets; the training
// loop itself is held to the cpu backend's numbers on SwiftShader in packages/d2l/src/webgpu-swiftshader.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GradeReport } from '@course/core';
import { swiftshaderEnv } from '@course/d2l';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './test-helpers.ts';

const SOLUTION = join(FIXTURES, '../../assignments/resnet/instructor/solution');
const REFERENCE = existsSync(join(SOLUTION, 'preact.ts')) ? SOLUTION : join(FIXTURES, 'reference-scratch');
const BIN = fileURLToPath(new URL('../bin/grade.mjs', import.meta.url));
const env = swiftshaderEnv('grader/src/webgpu-swiftshader.test.ts');

describe.skipIf(!env)('grading on webgpu (SwiftShader)', () => {
  it('passes the reference on every check, naming the software adapter and the CPU training profile', () => {
    const run = spawnSync(
      process.execPath,
      [BIN, '--submission', REFERENCE, '--hidden', '--backend', 'webgpu', '--skip-training', '--format', 'json'],
      { env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 2 ** 20 },
    );
    // A hang (Dawn holding the process open after the report) ends here as a timeout error.
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const report = GradeReport.parse(JSON.parse(run.stdout));
    const ran = report.checks.filter((c) => c.status !== 'skipped');
    expect(ran.filter((c) => c.status !== 'passed').map((c) => [c.id, c.status, c.message])).toEqual([]);
    expect(ran.map((c) => c.id)).toEqual(expect.arrayContaining(['bottleneck.identity', 'preact.identity']));
    expect(report.checks.filter((c) => c.status === 'skipped').map((c) => c.id)).toEqual([
      'bottleneck.training',
      'preact.training',
    ]);
    expect(report.score).toBe(ran.reduce((sum, c) => sum + c.maxScore, 0));
    expect(report.backend.name).toBe('webgpu');
    expect(report.backend.device).toMatch(/^gpu:0 \(webgpu, software adapter: google swiftshader /);
    expect(report.trainingProfile).toBe('cpu-small');
  });
});
