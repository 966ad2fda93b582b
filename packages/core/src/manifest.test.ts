import { describe, expect, it } from 'vitest';
import { loadManifest, parseManifest, parseManifestFragment, readJsonFile } from './manifest.ts';

const FILE = 'assignments/resnet/manifest.json';

describe('manifest', () => {
  it('parses the assignment manifest and the hidden fragment', () => {
    const manifest = loadManifest(FILE);
    expect(manifest.tasks.map((t) => t.exercise)).toEqual([1, 2, 3, 4, 5]);
    expect(manifest.tasks.filter((t) => t.kind === 'manual').map((t) => t.exercise)).toEqual([1, 5]);
    const fragment = parseManifestFragment(
      readJsonFile('assignments/resnet/instructor/manifest.json'),
      'hidden.json',
      manifest,
    );
    expect(fragment.checks.map((c) => c.visibility)).not.toContain('visible');
  });

  it('names the bad field in one line', () => {
    const json = readJsonFile(FILE) as { checks: Array<Record<string, unknown>> };
    const bad = structuredClone(json);
    (bad.checks[2] as Record<string, unknown>).visibility = 'sometimes';
    expect(() => parseManifest(bad, 'm.json')).toThrow(/^m\.json: field 'checks\[2\]\.visibility': /);
    const badTask = structuredClone(json);
    (badTask.checks[0] as Record<string, unknown>).task = 'ex9';
    expect(() => parseManifest(badTask, 'm.json')).toThrow(/field 'checks\[0\]\.task': no task 'ex9'/);
    const badPoints = structuredClone(json);
    (badPoints.checks[0] as Record<string, unknown>).points = 99;
    expect(() => parseManifest(badPoints, 'm.json')).toThrow(
      /field 'tasks\[1\]\.points': 15, but its public checks add up to 111/,
    );
  });
});
