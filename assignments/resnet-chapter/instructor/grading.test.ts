// The lab graded by the one grader, from its data alone: the reference scores full marks (hidden checks
// and training included), and each fixture of the seed's mistakes loses points on exactly the checks
// that test what it gets wrong (instructor/fixtures/README.md says why each one); a type error is listed,
// not graded.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gradeSubmission } from '@course/grader';
import { describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const ASSIGNMENT = 'resnet-chapter';
const FIXTURES = join(HERE, 'fixtures');

/** The public checks each fixture must fail (fully or in part); every other public check must pass. */
const LOSES: Record<string, string[]> = {
  'extra-block': ['resnet-block.params', 'resnet18.shapes', 'resnet18.params', 'resnet34.shapes', 'resnet34.params'],
  'syntax-error': ['*'],
  'no-relu-after-add': ['residual.structure', 'residual.identity'],
  'projection-no-stride': [
    'residual.builds',
    'residual.shapes',
    'residual.params',
    'residual.structure',
    'resnet-block.builds',
    'resnet-block.shapes',
    'resnet-block.params',
    'resnet18.builds',
    'resnet18.shapes',
    'resnet18.params',
    'resnet34.builds',
    'resnet34.shapes',
    'resnet34.params',
  ],
  'stride-on-second-conv': ['residual.structure'],
  'stem-no-bn': ['resnet18.params', 'resnet34.params'],
  'resnet34-two-blocks': ['resnet34.shapes', 'resnet34.params'],
  'first-block-downsamples': [
    'resnet-block.shapes',
    'resnet-block.params',
    'resnet18.shapes',
    'resnet18.params',
    'resnet34.shapes',
    'resnet34.params',
  ],
  'alt-torchvision': [],
  'alt-explicit-padding': [],
  'alt-nested-sequential': [],
  'alt-block-as-model': [],
  'nested-branch-no-bn': [
    'residual.params',
    'residual.structure',
    'resnet-block.params',
    'resnet18.params',
    'resnet34.params',
  ],
  'block-model-no-relu': ['residual.structure', 'residual.identity'],
  'alt-indexed-port': [],
  'alt-missing-cast': [],
};

/** Type errors the report must list (every other fixture has none): reported once, costing nothing here. */
const TYPE_ERRORS: Record<string, number> = { 'alt-missing-cast': 1 };

describe('resnet-chapter graded by the generic grader', () => {
  it('the reference scores full marks, hidden checks and training included', async () => {
    const report = await gradeSubmission({
      assignment: ASSIGNMENT,
      submissionDir: join(HERE, 'solution'),
      hidden: true,
    });
    const notPassed = report.checks.filter((c) => c.status !== 'passed').map((c) => `${c.id}: ${c.message}`);
    expect(notPassed).toEqual([]);
    expect(report.score).toBe(report.maxScore);
    expect(report.checks.some((c) => c.id.startsWith('hidden.'))).toBe(true);
  });

  it('every fixture folder has an entry here', () => {
    expect(
      readdirSync(FIXTURES, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort(),
    ).toEqual(Object.keys(LOSES).sort());
  });

  it.each(Object.entries(LOSES))('%s loses points on exactly %j', async (name, loses) => {
    const report = await gradeSubmission({
      assignment: ASSIGNMENT,
      submissionDir: join(FIXTURES, name),
      skipTraining: true,
    });
    const graded = report.checks.filter((c) => c.status !== 'skipped');
    const lost = graded.filter((c) => c.score < c.maxScore).map((c) => c.id);
    expect(lost.sort()).toEqual(loses[0] === '*' ? graded.map((c) => c.id).sort() : [...loses].sort());
    // Losing a check means a failed or errored verdict, not a pass with fewer points.
    for (const c of graded) expect(c.status === 'passed').toBe(!lost.includes(c.id));
    if (loses[0] === '*') expect(report.score).toBe(0);
    expect(report.typeErrors?.total ?? 0).toBe(TYPE_ERRORS[name] ?? 0);
  });
});
