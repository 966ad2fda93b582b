// What the student repository gets: every tracked file except the instructor's, with solution regions
// stripped from the rest. What is instructor-only is a matter of where it lives, not of a list:
//   - a path with a segment named `instructor` (assignments/resnet/instructor/solution/…, docs/instructor/…);
//   - any path inside a folder that holds a file named `.instructor-only` (grader/test-submissions/, …);
//   - a test (or test helper) that names such a path, or imports test code that does: it cannot pass
//     without the material, so shipping it would turn the student's CI red.

import { dirname, join, normalize, posix } from 'node:path';
import { type Manifest, studentFiles } from '@course/core';
import { BEGIN, makeStub } from '../stubs.ts';

export const INSTRUCTOR_SEGMENT = 'instructor';
export const MARKER_FILE = '.instructor-only';

/** The student repository's README.md (the instructor's README lists tools the release leaves out). */
export const STUDENT_README = 'packages/assign/templates/student-readme.md';

/** The assignments of a commit: folders of assignments/ holding a manifest.json. */
export function assignmentsIn(paths: readonly string[]): string[] {
  return paths.flatMap((p) => /^assignments\/([^/]+)\/manifest\.json$/.exec(p)?.[1] ?? []).sort();
}

type ManifestData = Pick<Manifest, 'functions' | 'tasks' | 'answers'> & { title?: string; workspace?: string };

/**
 * The student README: the template's {{assignments}} becomes a section per released assignment (its
 * files and what each is for, its handout), {{commands}} the grade commands for each.
 */
export function studentReadme(
  template: string,
  assignments: ReadonlyArray<{ name: string; manifest: string }>,
  defaultAssignment: string,
): string {
  const sections: string[] = [];
  const commands: string[] = [];
  for (const { name, manifest } of assignments) {
    const m = JSON.parse(manifest) as ManifestData;
    const workspace = `assignments/${name}/${m.workspace ?? 'src'}`;
    const files = studentFiles(m).map((file) => {
      const tasks = m.tasks.filter((t) => (file === m.answers ? t.kind === 'manual' : t.file === file));
      const what = tasks.map((t) => `exercise ${t.exercise}: ${t.title}`).join('; ');
      return `- \`${file}\`${what ? `: ${what}${file === m.answers ? ' (graded by hand)' : ''}` : ''}`;
    });
    sections.push(
      [
        `### ${m.title ?? name}`,
        '',
        `Everything you hand in is in [\`${workspace}\`](${workspace}):`,
        '',
        ...files,
        '',
        `The assignment, task by task, with the points and the public checks of each: [\`assignments/${name}/README.md\`](assignments/${name}/README.md).`,
      ].join('\n'),
    );
    const args = name === defaultAssignment ? '' : ` --assignment ${name}`;
    commands.push(
      `npx pnpm@10 grade${args}   # the public checks on ${workspace}`,
      `npx pnpm@10 grade${args} --format html --out grade-report   # every format; open grade-report/report.html`,
    );
  }
  return template.replace('{{assignments}}', sections.join('\n\n')).replace('{{commands}}', commands.join('\n'));
}

/**
 * Where the student repository's CI looks for a file too (docs/ci.md): each assignment's GitHub workflow
 * (written by `pnpm assign`) is copied to .github/workflows/grade-<name>.yml.
 */
export function placedAt(path: string): string | undefined {
  const m = /^assignments\/([a-z0-9-]+)\/ci\/github-grade\.yml$/.exec(path);
  return m ? `.github/workflows/grade-${m[1]}.yml` : undefined;
}

/** GitLab reads one .gitlab-ci.yml: the release writes one that includes every assignment's job file. */
export function gitlabRoot(paths: readonly string[]): string | undefined {
  const jobs = paths.filter((p) => /^assignments\/[a-z0-9-]+\/ci\/gitlab-ci\.yml$/.test(p)).sort();
  if (jobs.length === 0) return undefined;
  return `# One job per assignment (each file is written by the course's authoring step).\ninclude:\n${jobs.map((p) => `  - local: /${p}\n`).join('')}`;
}

export type Action =
  | { kind: 'copy'; path: string }
  | { kind: 'strip'; path: string }
  | { kind: 'skip'; path: string; why: string };

export interface PlanInput {
  path: string;
  /** undefined for binary files. */
  text: string | undefined;
}

/** The folders ('' for the root) that hold a `.instructor-only` marker. */
export function markedFolders(paths: readonly string[]): Set<string> {
  return new Set(
    paths
      .filter((p) => posix.basename(p) === MARKER_FILE)
      .map((p) => (posix.dirname(p) === '.' ? '' : posix.dirname(p))),
  );
}

/** Why `path` is instructor-only by where it lives, or undefined. */
export function placeRule(path: string, marked: ReadonlySet<string>): string | undefined {
  const segments = path.split('/');
  if (segments.includes(INSTRUCTOR_SEGMENT)) return `under a folder named '${INSTRUCTOR_SEGMENT}'`;
  for (let i = 0; i < segments.length; i++) {
    const folder = segments.slice(0, i).join('/');
    if (marked.has(folder)) return `in ${folder || 'the root'}/, marked ${MARKER_FILE}`;
  }
  return undefined;
}

/** Test code: `*.test.ts` files and the helpers only tests use (`test-helpers.ts`, `test-*.ts`). */
export function isTestCode(path: string): boolean {
  return /(^|\/)(test-[^/]*|[^/]*\.test)\.[cm]?[jt]s$/.test(path);
}

/**
 * The places a released file may not name: every left-out file, and every left-out folder at its top
 * (the marked folder, the `instructor` folder), so that `join(ROOT, 'grader/test-submissions')` counts.
 */
function leftOutPlaces(leftOut: readonly string[]): string[] {
  const places = new Set<string>();
  for (const path of leftOut) {
    places.add(path);
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) places.add(segments.slice(0, i).join('/'));
  }
  return [...places];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `text` (a file at `path`) names `place`, relative to the repository root or to its own folder. */
function names(text: string, path: string, place: string): boolean {
  const rel = posix.relative(posix.dirname(path), place);
  const forms = [place, rel.startsWith('..') ? rel : `./${rel}`];
  return forms.some((form) => new RegExp(`(^|['"\`/])${escapeRegExp(form)}(['"\`/]|$)`, 'm').test(text));
}

/** Relative imports of a file, resolved to repository paths (with .ts added where the import omits it). */
function relativeImports(text: string, path: string, known: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = normalize(join(dirname(path), m[1]!))
      .split('\\')
      .join('/');
    for (const candidate of [target, `${target}.ts`, `${target}/index.ts`])
      if (known.has(candidate)) out.push(candidate);
  }
  return out;
}

/**
 * The action for every tracked file. A folder whose every file is left out by place counts as left out,
 * so a test that names a parent of instructor files only (`grader/test-submissions`) is dropped with them.
 */
export function planRelease(files: readonly PlanInput[], opts: { assignments?: readonly string[] } = {}): Action[] {
  const paths = files.map((f) => f.path);
  const known = new Set(paths);
  const marked = markedFolders(paths);
  // A release of some assignments leaves the others' folders out.
  const chosen = opts.assignments;
  const others = chosen ? assignmentsIn(paths).filter((a) => !chosen.includes(a)) : [];
  const why = new Map<string, string>();
  for (const p of paths) {
    const other = others.find((a) => p.startsWith(`assignments/${a}/`));
    const rule = other ? `another assignment (this release holds ${chosen!.join(', ')})` : placeRule(p, marked);
    if (rule) why.set(p, rule);
  }
  // Folders all of whose files are left out by place (their names are as good as the files').
  const keptFolders = new Set<string>();
  for (const p of paths) {
    if (why.has(p)) continue;
    const segments = p.split('/');
    for (let i = 1; i < segments.length; i++) keptFolders.add(segments.slice(0, i).join('/'));
  }
  const places = leftOutPlaces([...why.keys()]).filter((place) => known.has(place) || !keptFolders.has(place));
  // Test code that names a left-out place, then (until nothing changes) test code that imports dropped test code.
  const tests = files.filter((f) => isTestCode(f.path) && f.text !== undefined && !why.has(f.path));
  for (const t of tests) {
    const place = places.find((pl) => names(t.text!, t.path, pl));
    if (place) why.set(t.path, `a test of instructor material (it names ${place})`);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of tests) {
      if (why.has(t.path)) continue;
      const dropped = relativeImports(t.text!, t.path, known).find((i) => isTestCode(i) && why.has(i));
      if (dropped) {
        why.set(t.path, `a test of instructor material (it imports ${dropped}, which is left out)`);
        changed = true;
      }
    }
  }
  return files.map(({ path, text }) => {
    const reason = why.get(path);
    if (reason) return { kind: 'skip', path, why: reason };
    if (text === undefined) return { kind: 'copy', path };
    const marked = text.split('\n').some((l) => l.trim() === BEGIN);
    return marked ? { kind: 'strip', path } : { kind: 'copy', path };
  });
}

export function strip(path: string, text: string): string {
  return makeStub(text, path);
}

export interface LeftOut {
  /** Names of the workspace packages whose package.json is left out. */
  packages: ReadonlySet<string>;
  /** Their folders, relative to the repository root (the lockfile's importer keys). */
  importers: ReadonlySet<string>;
  /** Left-out files, relative to the repository root. */
  files: ReadonlySet<string>;
}

/**
 * A released package.json: without dependencies on left-out workspace packages (the install would fail
 * on them) and without scripts that run a left-out file (`release`, `assign`: the instructor's tools).
 */
export function releasePackageJson(path: string, text: string, leftOut: LeftOut): string {
  const pkg = JSON.parse(text) as Record<string, unknown> & { scripts?: Record<string, string> };
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = pkg[field] as Record<string, string> | undefined;
    if (!deps) continue;
    for (const name of Object.keys(deps)) if (leftOut.packages.has(name)) delete deps[name];
  }
  const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
  for (const [name, command] of Object.entries(pkg.scripts ?? {})) {
    const runs = command.split(/\s+/).filter((word) => word.includes('/'));
    if (runs.some((word) => leftOut.files.has(posix.normalize(posix.join(dir, word))))) delete pkg.scripts![name];
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}
