// Every assignment's student CI files (assignments/<name>/ci/), written from one pair of templates so
// that a new assignment gets them with no hand-written YAML. GitHub's own `${{ }}` expressions stay as
// they are: only {{name}} and {{title}} are filled in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Assignment } from '@course/core';

const TEMPLATES = join(import.meta.dirname, '../templates');
export const CI_FILES = ['github-grade.yml', 'gitlab-ci.yml'] as const;

export function expectedCiFiles(assignment: Assignment): Array<{ path: string; text: string }> {
  return CI_FILES.map((file) => ({
    path: join(assignment.dir, 'ci', file),
    text: readFileSync(join(TEMPLATES, `${file}.hbs`), 'utf8')
      .replaceAll('{{name}}', assignment.name)
      .replaceAll('{{title}}', assignment.manifest.title),
  }));
}
