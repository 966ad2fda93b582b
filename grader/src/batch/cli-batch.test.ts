// Batch options on the real command line (`pnpm grade --submissions …`), each grading child being the real
// grader: --timeout is the wall-clock limit of one submission, --retry-failed grades stored timeouts again,
// --only names students and refuses unknown ones.
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadAssignment } from '@course/core';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.ts';

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stderr = '';
  err.on('data', (chunk) => {
    stderr += chunk;
  });
  out.resume();
  const code = await main(args, out, err);
  return { code, stderr };
}

describe('pnpm grade --submissions', () => {
  it('honours --timeout, --retry-failed and --only', { timeout: 180_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-batch-'));
    const submissions = join(root, 'submissions');
    cpSync(loadAssignment('resnet').workspace, join(submissions, 'ada'), { recursive: true });
    const out = join(root, 'out');
    const base = ['--submissions', submissions, '--out', out, '--backend', 'cpu'];
    // One second is less than the grader needs to start: the submission times out.
    const first = await cli([...base, '--timeout', '1']);
    expect(first.code).toBe(0);
    const stored = () => JSON.parse(readFileSync(join(out, 'results/ada.json'), 'utf8'));
    const result = stored();
    expect(result).toMatchObject({ status: 'timeout', message: 'no result within 1 s; the grader was killed' });
    // Unchanged: kept as it is. With --retry-failed: graded again (and timed out again).
    expect((await cli([...base, '--timeout', '1'])).code).toBe(0);
    expect(stored().finishedAt).toBe(result.finishedAt);
    expect((await cli([...base, '--timeout', '1', '--retry-failed'])).code).toBe(0);
    expect(stored().finishedAt).not.toBe(result.finishedAt);
    expect(stored().status).toBe('timeout');
    const unknown = await cli([...base, '--only', 'zoe']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--only zoe: no such folder/);
  });
});
