// The house's floors (.dependency-cruiser.cjs): no package imports a floor above its own, no modules and
// no folders import each other in a cycle. The tree is cruised as it is; then the same rules are run over
// a small tree made here, where every arrow between two floors is reversed once and two folders import
// each other, to show that the rules catch what they are there to catch (and pass the allowed arrows).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const FLOORS = (createRequire(import.meta.url)(CONFIG) as { floors: [string, string][] }).floors;

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** depcruise's violations over `paths` of the tree at `cwd`, with the house's rules. */
function cruise(cwd: string, paths: string[]): { violations: Violation[]; cruised: number } {
  let out: string;
  try {
    out = execFileSync(DEPCRUISE, ['-c', CONFIG, '-T', 'json', ...paths], {
      cwd,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024, // the tree's JSON report is over 1 MB, execFileSync's default
    });
  } catch (err) {
    // depcruise exits non-zero when it finds violations; its report is still on stdout.
    out = (err as { stdout?: string }).stdout ?? '';
    if (!out) throw err;
  }
  const report = JSON.parse(out) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: report.summary.violations, cruised: report.summary.totalCruised };
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('the dependency rules', () => {
  it('hold for the whole tree', () => {
    const { violations, cruised } = cruise(ROOT, ['packages', 'grader', 'assignments', 'scripts']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
    expect(cruised).toBeGreaterThan(200);
  }, 120_000);

  it('fail on every reversed arrow between two floors, and pass the allowed arrows', () => {
    const tree = fixtureTree();
    // One module on each floor ('^packages/core/' → packages/core/src/floor.ts), each importing the one below.
    const folder = (path: string) => path.replace(/^\^/, '').replace(/\(([^|)]+)[^)]*\)/, '$1');
    const base = FLOORS.map(([, path]) => `${folder(path)}src/floor.ts`);
    base.forEach((file, i) => {
      tree.write(file, i > 0 ? [base[i - 1] as string] : []);
    });
    expect(cruise(tree.dir, ['packages', 'grader', 'assignments']).violations).toEqual([]);
    // Every arrow reversed once: a module on floor i importing floor j > i.
    const expected: string[] = [];
    for (const [i, [name]] of FLOORS.entries())
      for (const j of FLOORS.keys()) {
        if (j <= i) continue;
        const file = (base[i] as string).replace('floor.ts', `up-${j}.ts`);
        tree.write(file, [base[j] as string]);
        expected.push(`${name}-imports-only-below: ${file} → ${base[j]}`);
      }
    const { violations } = cruise(tree.dir, ['packages', 'grader', 'assignments']);
    const layered = violations
      .filter((v) => v.rule.name.endsWith('-imports-only-below'))
      .map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(layered.sort()).toEqual(expected.sort());
    expect(expected).toHaveLength((FLOORS.length * (FLOORS.length - 1)) / 2);
    // The reversed arrows make folders import each other too; they are no module cycle.
    expect(violations.filter((v) => v.rule.name === 'no-module-cycle')).toEqual([]);
  }, 120_000);

  it('fail when two folders import each other, though no module imports itself back', () => {
    const tree = fixtureTree();
    tree.write('grader/src/batch/run.ts', ['grader/src/review/serve.ts', 'packages/core/src/model.ts']);
    tree.write('grader/src/review/serve.ts', ['grader/src/batch/files.ts']);
    tree.write('grader/src/batch/files.ts', []);
    tree.write('packages/core/src/model.ts', []);
    const { violations } = cruise(tree.dir, ['packages', 'grader']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from}`).sort()).toEqual([
      'no-folder-cycle: grader/src/batch',
      'no-folder-cycle: grader/src/review',
    ]);
  }, 120_000);
});

/** A temporary tree of modules, each importing the ones named (by path from the tree's root). */
function fixtureTree(): { dir: string; write(file: string, imports: string[]): void } {
  const dir = mkdtempSync(join(tmpdir(), 'depcruise-'));
  temps.push(dir);
  return {
    dir,
    write(file, imports) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      const lines = imports.map((to, i) => {
        const spec = relative(dirname(file), to);
        return `import * as m${i} from '${spec.startsWith('.') ? spec : `./${spec}`}';\nexport const x${i} = m${i};`;
      });
      writeFileSync(join(dir, file), `${lines.join('\n')}\nexport const here = '${file}';\n`);
    },
  };
}
