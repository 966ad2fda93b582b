// The student's CI files name report files that the reporters write; keep the two in step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listAssignments, loadAssignment } from '@course/core';
import { describe, expect, it } from 'vitest';
import { REPORT_FILES } from './index.ts';

describe.each(listAssignments())('student CI templates of %s', (name) => {
  const read = (path: string) => readFileSync(join(loadAssignment(name).dir, 'ci', path), 'utf8');
  for (const file of ['github-grade.yml', 'gitlab-ci.yml']) {
    it(`${file} grades into grade-report/ and publishes its JUnit and HTML reports`, () => {
      const text = read(file);
      expect(text).toContain(`npx pnpm@10 grade --assignment ${name} --out grade-report`);
      expect(text).toContain(`grade-report/${REPORT_FILES.junit}`);
      expect(text).toMatch(/paths?:\s*\n?\s*-?\s*grade-report\//);
      expect(text).not.toMatch(/\t/);
    });
  }
});
