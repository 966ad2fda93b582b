// One grader version: what a report carries and what a resumed batch compares. Editing a check's points
// or the list of checks in an assignment's manifest makes a new version; editing a document does not.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graderVersion, REPO_ROOT } from './grader-version.ts';

function fakeRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'grader-version-'));
  mkdirSync(join(root, 'grader/src'), { recursive: true });
  mkdirSync(join(root, 'assignments/a'), { recursive: true });
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, 'grader/package.json'), JSON.stringify({ version: '1.2.3' }));
  writeFileSync(join(root, 'grader/src/grade.ts'), 'export const x = 1;\n');
  const manifest = { checks: [{ id: 'a.builds', points: 3 }] };
  writeFileSync(join(root, 'assignments/a/manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(root, 'docs/readme.md'), '# a\n');
  return root;
}

const editManifest = (root: string, edit: (m: { checks: Array<{ id: string; points: number }> }) => void) => {
  const path = join(root, 'assignments/a/manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest));
};

describe('graderVersion', () => {
  it('changes with a check’s points, with a new check, and with the grading code, not with a document', () => {
    const root = fakeRepo();
    const first = graderVersion(root);
    expect(first).toMatch(/^1\.2\.3\+[0-9a-f]{12}$/);
    writeFileSync(join(root, 'docs/readme.md'), '# a, edited\n');
    expect(graderVersion(root)).toBe(first);
    editManifest(root, (m) => {
      m.checks[0]!.points = 4;
    });
    const points = graderVersion(root);
    expect(points).not.toBe(first);
    editManifest(root, (m) => {
      m.checks.push({ id: 'a.shapes', points: 2 });
    });
    const checks = graderVersion(root);
    expect(new Set([first, points, checks]).size).toBe(3);
    writeFileSync(join(root, 'grader/src/grade.ts'), 'export const x = 2;\n');
    expect(graderVersion(root)).not.toBe(checks);
  });

  it('is the version a report carries and the one a batch compares', { timeout: 120_000 }, async () => {
    const { gradeSubmission } = await import('./grade.ts');
    const report = await gradeSubmission({
      submissionDir: join(REPO_ROOT, 'assignments/resnet/src'),
      backend: 'cpu',
      skipTraining: true,
      checks: ['bottleneck.builds'],
    });
    expect(report.graderVersion).toBe(graderVersion());
    expect(report.graderVersion).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  });
});
