// An assignment's handout (assignments/<name>/README.md) is rendered from its manifest, so the tasks,
// points and checks a student reads are the ones the grader uses.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@course/core';
import { type Assignment, REPO_ROOT } from '@course/core';
import Handlebars from 'handlebars';

export const templatePath = (a: Assignment) => join(a.dir, 'handout/README.md.hbs');
export const handoutPath = (a: Assignment) => join(a.dir, 'README.md');

/** "1", "1 and 5", "1, 4 and 5". */
export function listing(items: string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

const sum = (xs: Array<{ points: number }>) => xs.reduce((s, x) => s + x.points, 0);

/** What the template sees: the manifest's tasks with their public checks, grouped by student file. */
export function handoutView(manifest: Manifest) {
  const tasks = manifest.tasks.map((task) => ({
    ...task,
    auto: task.kind === 'auto',
    checks: manifest.checks.filter((c) => c.task === task.id && c.visibility === 'visible'),
  }));
  const auto = tasks.filter((t) => t.auto);
  const fileNames = [...new Set(auto.map((t) => t.file).filter((f) => f !== undefined))];
  return {
    title: manifest.title,
    tasks,
    manualExercises: listing(tasks.filter((t) => !t.auto).map((t) => String(t.exercise))),
    files: fileNames.map((name) => ({ name, tasks: auto.filter((t) => t.file === name) })),
    /** Public type-check checks: where they exist, types cost points (the handout says which). */
    typeChecks: manifest.checks.filter((c) => c.kind === 'typecheck' && c.visibility === 'visible'),
    totalPoints: sum(tasks),
    autoPoints: sum(auto),
    manualPoints: sum(tasks) - sum(auto),
  };
}

export function renderHandout(manifest: Manifest, template: string): string {
  // noEscape: the output is Markdown, not HTML; strict: a misspelt field fails instead of vanishing.
  const hbs = Handlebars.create();
  // A table cell must not contain a bare pipe (e.g. "bottleneckResnet(50|101|152)").
  hbs.registerHelper('cell', (text: unknown) => String(text).replace(/\|/g, '\\|'));
  const render = hbs.compile(template, { noEscape: true, strict: true });
  return render(handoutView(manifest));
}

/** Markdown as the repository's Biome formats it (aligned tables), so `pnpm lint` accepts the handout. */
export function formatMarkdown(text: string): string {
  const biome = join(REPO_ROOT, 'node_modules/.bin/biome');
  const r = spawnSync(biome, ['format', '--stdin-file-path=README.md'], {
    input: text,
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  if (r.status !== 0 || r.stdout.trim() === '') {
    throw new Error(
      `biome could not format the handout (${r.stderr.trim().split('\n')[0] ?? r.error?.message}); run npx pnpm@10 install`,
    );
  }
  return r.stdout;
}

/** The assignment's handout as the generator would write it now. */
export function expectedHandout(assignment: Assignment): string {
  return formatMarkdown(renderHandout(assignment.manifest, readFileSync(templatePath(assignment), 'utf8')));
}
