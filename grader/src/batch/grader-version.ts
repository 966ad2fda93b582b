// The grader's identity for resuming: the package version alone would miss an edited check, so the code
// and data that decide a grade are hashed too.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { hashFolder } from './submissions.ts';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

const GRADING_CODE = [
  'grader/src',
  'grader/templates',
  'grader/hidden',
  'packages/resnet/src',
  'packages/d2l/src',
  'assignments/resnet/checks',
];

export async function graderVersion(root: string = REPO_ROOT): Promise<string> {
  const { version } = JSON.parse(readFileSync(`${root}grader/package.json`, 'utf8')) as { version: string };
  const hash = createHash('sha256');
  for (const dir of GRADING_CODE) {
    const exists = await stat(`${root}${dir}`).then(
      (s) => s.isDirectory(),
      () => false,
    );
    hash.update(`${dir}=${exists ? await hashFolder(`${root}${dir}`) : 'absent'}\n`);
  }
  return `${version}+${hash.digest('hex').slice(0, 12)}`;
}
