// Gradescope, end to end: the zip `pnpm grade gradescope` builds, unpacked into a temporary /autograder
// layout, set up by its own setup.sh (a real install from the lockfile) and run by its own run_autograder
// on the reference solution, as Gradescope would. results.json is checked against Gradescope's published
// specification, written out here on its own (not our reporter's schema), so that a drift of either shows.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ASSIGNMENT, loadAssignment } from '@course/core';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildGradescopeZip } from './package.ts';

/** gradescope-autograders.readthedocs.io, "Autograder Specifications": results.json. */
const Visibility = z.enum(['hidden', 'after_due_date', 'after_published', 'visible']);
const SpecTest = z
  .object({
    score: z.number().optional(),
    max_score: z.number().optional(),
    status: z.enum(['passed', 'failed']).optional(),
    name: z.string().optional(),
    name_format: z.enum(['text', 'html', 'simple_format', 'md', 'ansi']).optional(),
    number: z.string().optional(),
    output: z.string().optional(),
    output_format: z.enum(['text', 'html', 'simple_format', 'md', 'ansi']).optional(),
    tags: z.array(z.string()).optional(),
    visibility: Visibility.optional(),
    extra_data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const SpecResults = z
  .object({
    score: z.number().optional(),
    execution_time: z.number().optional(),
    output: z.string().optional(),
    output_format: z.enum(['text', 'html', 'simple_format', 'md', 'ansi']).optional(),
    test_output_format: z.enum(['text', 'html', 'simple_format', 'md', 'ansi']).optional(),
    test_name_format: z.enum(['text', 'html', 'simple_format', 'md', 'ansi']).optional(),
    visibility: Visibility.optional(),
    stdout_visibility: Visibility.optional(),
    extra_data: z.record(z.string(), z.unknown()).optional(),
    tests: z.array(SpecTest).optional(),
    leaderboard: z
      .array(z.object({ name: z.string(), value: z.union([z.number(), z.string()]), order: z.string().optional() }))
      .optional(),
  })
  .strict()
  // Without a top-level score Gradescope sums the tests; with neither the run fails.
  .refine((r) => r.score !== undefined || (r.tests ?? []).every((t) => t.score !== undefined), {
    message: 'a score, or a score on every test',
  });

const assignment = loadAssignment(DEFAULT_ASSIGNMENT);
const root = mkdtempSync(join(tmpdir(), 'autograder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the Gradescope autograder, end to end', () => {
  it.skipIf(!existsSync(assignment.reference))(
    'installs with its own setup.sh and gives the reference full marks in a valid results.json',
    { timeout: 900_000 },
    async () => {
      const zip = join(root, 'autograder.zip');
      await buildGradescopeZip({ outFile: zip, assignment: assignment.name });
      const source = join(root, 'source');
      for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(readFileSync(zip))))) {
        if (name.endsWith('/')) continue;
        mkdirSync(join(source, name, '..'), { recursive: true });
        writeFileSync(join(source, name), bytes, {
          mode: name === 'setup.sh' || name === 'run_autograder' ? 0o755 : 0o644,
        });
      }
      const env = { ...process.env, AUTOGRADER_ROOT: root, AUTOGRADER_SOURCE: source };
      execFileSync('bash', ['setup.sh'], { cwd: source, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
      expect(existsSync(join(source, 'grader/node_modules/@tensorflow/tfjs'))).toBe(true);

      // Gradescope puts the upload in /autograder/submission: here the reference, a folder deep.
      cpSync(assignment.reference, join(root, 'submission', 'upload'), { recursive: true });
      execFileSync('bash', [join(source, 'run_autograder')], { cwd: source, env, stdio: 'ignore', timeout: 600_000 });

      const results = SpecResults.parse(JSON.parse(readFileSync(join(root, 'results', 'results.json'), 'utf8')));
      const tests = results.tests ?? [];
      expect(tests.length).toBeGreaterThan(0);
      const maximum = tests.reduce((sum, t) => sum + (t.max_score ?? 0), 0);
      expect(results.score).toBe(tests.reduce((sum, t) => sum + (t.score ?? 0), 0));
      expect(results.score).toBe(maximum);
      expect(tests.every((t) => t.status === 'passed')).toBe(true);
      // The report names the backend that ran; with oneDNN built by setup.sh's install, the native one.
      const backend = String(results.extra_data?.backend);
      expect(results.output).toContain(`Score ${maximum} / ${maximum}`);
      expect(results.output).toMatch(/backend \S/);
      const built = existsSync(join(source, 'packages/onednn/build/Release/onednn.node'));
      expect(backend).toEqual(built ? 'onednn' : expect.any(String));
      if (built) expect(results.output).toMatch(/oneDNN \d/);
    },
  );
});
