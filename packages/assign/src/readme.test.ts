// The instructor README is the product's first page, so it is checked like code: its command list
// against what each command prints for --help (run the way a user runs it, through pnpm), its quick
// start against what .ci/run runs on a fresh clone, and every relative link in the repository's
// Markdown against the tracked files. (The student README is the release's: release.test.ts checks it.)
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@course/core';
import { describe, expect, it } from 'vitest';
import { deadLinks } from './release/release.ts';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The first fenced block after a `## title` heading. */
function block(markdown: string, title: string): string {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  const fenced = section && /```[a-z]*\n([\s\S]*?)```/.exec(section);
  if (!fenced) throw new Error(`README.md has no code block under "## ${title}"`);
  return fenced[1]!;
}

/**
 * Commands and their flags in a usage text: a line holding `pnpm VERB [SUBVERB]` starts a command (two
 * joined by `|` are two), an indented line without one continues it; comments after `#` are prose.
 */
export function usageTable(text: string): Map<string, Set<string>> {
  const table = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s#\s.*$/, '');
    const commands = [...line.matchAll(/\bpnpm ([a-z][a-z-]*)(?: ([a-z][a-z-]*)\b(?!\s*\|))?/g)];
    if (commands.length > 0) {
      for (const [, verb, sub] of commands) {
        const key = sub ? `${verb} ${sub}` : verb!;
        current = table.get(key) ?? new Set();
        table.set(key, current);
      }
      // Flags on a line of several commands (`pnpm lint | pnpm typecheck`) belong to none of them.
      if (commands.length > 1) current = undefined;
    } else if (!/^\s/.test(raw)) current = undefined;
    for (const [flag] of line.matchAll(/--[a-z][a-z-]*/g)) current?.add(flag);
  }
  return table;
}

const readme = usageTable(block(README, 'Commands'));
const rootScripts = Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts);
/** Verbs that are workspace bins rather than root scripts (`pnpm grade` runs grader/bin). */
const bins = Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, 'grader/package.json'), 'utf8')).bin);
/** Root scripts that run a tool of ours with its own usage table (lint, format, typecheck, depcheck, test are others'). */
const OTHERS = new Set(['lint', 'format', 'typecheck', 'depcheck', 'test']);

function helpOf(verb: string): string {
  const r = spawnSync('npx', ['pnpm@10', '--silent', verb, '--help'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, `pnpm ${verb} --help: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('the README', () => {
  const verbs = [...new Set([...readme.keys()].map((k) => k.split(' ')[0]!))];

  it('reads a command list (the parser itself)', () => {
    const t = usageTable(
      'pnpm grade merge --out DIR X   # --not-a-flag\n  [--jobs N]\npnpm lint | pnpm typecheck\nusage: pnpm bench [--json]',
    );
    expect([...t.keys()]).toEqual(['grade merge', 'lint', 'typecheck', 'bench']);
    expect([...t.get('grade merge')!]).toEqual(['--out', '--jobs']);
    expect([...t.get('bench')!]).toEqual(['--json']);
    expect(readme.size).toBeGreaterThan(10);
  });

  it('names only commands that exist, and every command there is', () => {
    for (const verb of verbs) expect([...rootScripts, ...bins], `pnpm ${verb}`).toContain(verb);
    for (const script of rootScripts)
      expect(verbs.includes(script) || block(README, 'Quick start').includes(`pnpm@10 ${script}`), script).toBe(true);
  });

  it('lists every command and flag as the commands’ own --help prints them', { timeout: 300_000 }, () => {
    const own = new Map<string, Set<string>>();
    for (const verb of verbs.filter((v) => !OTHERS.has(v))) {
      const help = usageTable(helpOf(verb));
      expect(help.size, `pnpm ${verb} --help prints a usage table`).toBeGreaterThan(0);
      for (const [key, flags] of help) own.set(key, new Set([...(own.get(key) ?? []), ...flags]));
    }
    const ours = [...readme.keys()].filter((k) => !OTHERS.has(k));
    // Every verb the usage tables name is in the README, and every README command in a usage table.
    expect([...own.keys()].filter((k) => !readme.has(k))).toEqual([]);
    expect(ours.filter((k) => !own.has(k))).toEqual([]);
    for (const key of ours) {
      const unknown = [...readme.get(key)!].filter((flag) => !own.get(key)!.has(flag));
      expect(unknown, `pnpm ${key}: README flags its --help does not know`).toEqual([]);
    }
  });

  it('has a quick start that .ci/run runs word for word', () => {
    const ci = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8').split('\n');
    const steps = block(README, 'Quick start')
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter(Boolean);
    const pnpm = steps.filter((s) => /^npx (-y )?pnpm@10 /.test(s));
    expect(pnpm).toEqual(['npx -y pnpm@10 install', 'npx pnpm@10 grade', 'npx pnpm@10 test']);
    // CI adds only --frozen-lockfile (a lockfile out of step must fail there, not be rewritten).
    for (const step of pnpm)
      expect(
        ci.some((l) => l === step || l === `${step} --frozen-lockfile`),
        step,
      ).toBe(true);
    // The optional system packages it names are the ones CI installs.
    for (const step of steps.filter((s) => /apt-get install/.test(s))) {
      const packages = step.replace(/^.*apt-get install\s+/, '').split(/\s+/);
      for (const pkg of packages) {
        const name = pkg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        expect(ci.join('\n'), pkg).toMatch(new RegExp(`apt-get install [^\\n]*(?<=\\s)${name}(?=\\s|$)`, 'm'));
      }
    }
  });

  it('and every Markdown file of the repository link only to files that exist', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    expect(tracked.filter((f) => f.endsWith('.md')).length).toBeGreaterThan(10);
    expect(deadLinks(REPO_ROOT, tracked)).toEqual([]);
  });
});
