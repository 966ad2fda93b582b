// What the student repository gets: every tracked file except the instructor's (solutions, hidden
// checks, the tools that need them), with solution regions stripped from the rest.
import { BEGIN, makeStub } from '../../packages/resnet/src/stubs.ts';

/** Never released. A trailing slash means the whole folder. */
export const EXCLUDED: ReadonlyArray<{ path: string; why: string }> = [
  { path: 'packages/resnet/src/solution/', why: 'reference solutions' },
  { path: 'grader/hidden/', why: 'hidden checks' },
  { path: 'grader/test-submissions/', why: 'graded fixtures, some of them complete solutions' },
  { path: 'grader/scripts/make-expected.ts', why: 'computes expected values from the reference solutions' },
  { path: 'packages/resnet/scripts/make-stubs.ts', why: 'writes the stubs from the solutions' },
  { path: 'packages/resnet/src/stubs.test.ts', why: 'compares the stubs with the solutions' },
  { path: 'packages/resnet/src/solution.test.ts', why: 'tests the solutions' },
  { path: 'packages/resnet/src/anchors.test.ts', why: 'builds the bottleneck family, an exercise' },
  { path: 'packages/resnet/src/thesis.test.ts', why: 'tests the exercise blocks' },
  { path: 'packages/resnet/src/presets.test.ts', why: 'builds the bottleneck and pre-activation families' },
  { path: 'packages/resnet/src/cli.test.ts', why: 'summarises ResNet-50, a bottleneck network' },
  { path: 'scripts/release.ts', why: 'the release tool itself' },
  { path: 'scripts/release.test.ts', why: 'the release tool itself' },
  { path: 'scripts/release/', why: 'the release tool itself' },
  { path: 'docs/release.md', why: 'instructor documentation' },
];

/** Files the student repository also needs where its CI looks for them (docs/ci.md); copied there too. */
export const PLACED: Readonly<Record<string, string>> = {
  'assignments/resnet/ci/github-grade.yml': '.github/workflows/grade.yml',
  'assignments/resnet/ci/gitlab-ci.yml': '.gitlab-ci.yml',
};

/** A test that names one of these is about instructor material and cannot pass without it. */
const INSTRUCTOR_MARKS = [
  'test-submissions',
  'grader/hidden',
  "'../hidden",
  '/solution/',
  './solution/',
  'make-expected',
];

export type Action =
  | { kind: 'copy'; path: string }
  | { kind: 'strip'; path: string }
  | { kind: 'skip'; path: string; why: string };

export function excludedBy(path: string): string | undefined {
  return EXCLUDED.find((e) => (e.path.endsWith('/') ? path.startsWith(e.path) : path === e.path))?.why;
}

/** The action for one tracked file, given its text (undefined for binary files). */
export function planFile(path: string, text: string | undefined): Action {
  const why = excludedBy(path);
  if (why) return { kind: 'skip', path, why };
  if (text === undefined) return { kind: 'copy', path };
  if (/\.test\.ts$/.test(path) && INSTRUCTOR_MARKS.some((m) => text.includes(m))) {
    return { kind: 'skip', path, why: 'a test of instructor material' };
  }
  const marked = text.split('\n').some((l) => l.trim() === BEGIN);
  return marked ? { kind: 'strip', path } : { kind: 'copy', path };
}

export function strip(path: string, text: string): string {
  return makeStub(text, path);
}

/** The root package.json of the student repository: no release script (the tool is not shipped). */
export function releasePackageJson(text: string): string {
  const pkg = JSON.parse(text) as { scripts?: Record<string, string> };
  if (pkg.scripts) delete pkg.scripts.release;
  return `${JSON.stringify(pkg, null, 2)}\n`;
}
