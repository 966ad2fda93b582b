// run_autograder looks for the student's files without following links: a linked folder is not
// searched, and a student file that is a link still marks its folder, so grading refuses it by name.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSubmissionFolder } from './run-autograder.ts';

const FILES = ['bottleneck.ts', 'preact.ts'];

describe('findSubmissionFolder', () => {
  it('does not search a linked folder, even when it holds the files', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    writeFileSync(join(outside, 'bottleneck.ts'), 'export {};\n');
    const upload = mkdtempSync(join(tmpdir(), 'upload-'));
    symlinkSync(outside, join(upload, 'repo'));
    expect(await findSubmissionFolder(upload, FILES)).toBeUndefined();
  });

  it('finds the folder whose bottleneck.ts is a link, so that grading refuses that file and grades the other', async () => {
    const upload = mkdtempSync(join(tmpdir(), 'upload-'));
    const repo = join(upload, 'my-repo', 'src');
    mkdirSync(repo, { recursive: true });
    symlinkSync('/nonexistent/bottleneck.ts', join(repo, 'bottleneck.ts'));
    expect(await findSubmissionFolder(upload, FILES)).toBe(repo);
  });
});
