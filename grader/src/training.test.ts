// The training check end to end on the reference (it must clear the measured threshold with a falling
// loss) and on a block that cannot learn the task (a zeroed-out network), which must not.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { forbidSyncReads } from '@course/d2l';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from './grade.ts';
import { FIXTURES } from './test-helpers.ts';

const SOLUTION = join(FIXTURES, '../../assignments/resnet/instructor/solution');
const REFERENCE = existsSync(join(SOLUTION, 'preact.ts')) ? SOLUTION : join(FIXTURES, 'reference-scratch');

// The training check runs on webgpu too, which has no synchronous read under Node: none is allowed here.
let allowSyncReads: () => void;
beforeAll(() => {
  allowSyncReads = forbidSyncReads();
});
afterAll(() => allowSyncReads());

describe('training check', () => {
  it('passes the reference pre-activation block, with a curve whose loss falls', async () => {
    const report = await gradeSubmission({ submissionDir: REFERENCE, checks: ['preact.training'], seed: 0 });
    const c = report.checks.find((x) => x.id === 'preact.training');
    expect(c?.status, c?.message).toBe('passed');
    expect(c?.score).toBe(c?.maxScore);
    const curve = c?.details?.curve ?? [];
    expect(curve.length).toBeGreaterThanOrEqual(2);
    expect(curve.at(-1)?.trainLoss).toBeLessThan(curve[0]?.trainLoss ?? 0);
    // The profile follows the device: a hardware GPU gets the long run, a CPU or a software GPU the small one.
    expect(report.trainingProfile).toBe(
      report.backend.device.startsWith('gpu:') && !/software/.test(report.backend.device) ? 'gpu-long' : 'cpu-small',
    );
  });

  it('fails a block whose network cannot learn, naming the accuracy and threshold', async () => {
    const report = await gradeSubmission({
      submissionDir: join(FIXTURES, 'mistaken-dead-branch'),
      checks: ['preact.training'],
      seed: 0,
    });
    const c = report.checks.find((x) => x.id === 'preact.training');
    expect(c?.status).toBe('failed');
    expect(c?.score).toBe(0);
    expect(c?.message).toMatch(/test accuracy 0\.\d+ .*needed 0\.\d+|loss did not fall/);
  });
});
