// The adversarial leak test: a student who copies any TypeScript file of the release into their
// submission (alone, or together with the files next to it, which it may import) must not score more
// than the stubs do. Scanning for solution lines finds copies of marked regions; this finds a solution
// that was never marked (a parametrised builder, a fixture, a test's inline answer).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { listAssignments, loadAssignment, REPO_ROOT } from '@course/core';
import { gradeSubmission } from '@course/grader';

export interface Attempt {
  /** The release file graded, relative to the release. */
  file: string;
  assignment: string;
  withNeighbours: boolean;
  score: number;
  maxScore: number;
  /** Checks that passed (the evidence when the score is above the stubs'). */
  passed: string[];
}

export interface AdversaryResult {
  /** Per assignment: the released stubs' own score, the bar that no file may pass. */
  stubs: Record<string, number>;
  attempts: Attempt[];
  /** Release files that cannot export any graded function (their text never names one). */
  unexportable: number;
  /** Attempts scoring above the stubs: a leak each. */
  leaks: Attempt[];
}

function tsFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === '.git') return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path, base);
    return name.endsWith('.ts') ? [relative(base, path)] : [];
  });
}

const IMPORTS_NEIGHBOUR = /(?:from\s+|import\s*\(\s*|import\s+)['"]\.\.?\//;

/**
 * Grades every `.ts` file of the release at `releaseDir` as each assignment's submission: copied under
 * every student file name (as bottleneck.ts and preact.ts), and, when it imports relative paths, also
 * with the rest of its folder copied beside it. Hidden checks run too (a released file must not pass
 * them either); training is skipped (it only runs after the structural checks have passed).
 *
 * A file whose text names none of the assignment's graded functions cannot export one, nor can a
 * folder none of whose files names one (a submission may import only @tensorflow/tfjs and its own
 * files, and an export's name is written in some file): those are counted instead of graded.
 */
export async function gradeReleaseFiles(
  releaseDir: string,
  opts: { log?: (line: string) => void; assignments?: string[] } = {},
): Promise<AdversaryResult> {
  const log = opts.log ?? (() => {});
  const files = tsFiles(releaseDir).sort();
  const result: AdversaryResult = { stubs: {}, attempts: [], unexportable: 0, leaks: [] };
  const names = opts.assignments ?? listAssignments();
  const candidates = new Set<string>();
  for (const name of names) {
    const assignment = loadAssignment(name);
    const functions = Object.keys(assignment.manifest.functions);
    const codeFiles = assignment.files.filter((f) => f.endsWith('.ts'));
    const grade = async (dir: string) =>
      gradeSubmission({ submissionDir: dir, assignment: name, hidden: true, skipTraining: true, backend: 'cpu' });
    const stubDir = join(releaseDir, relative(REPO_ROOT, assignment.workspace));
    const stubs = await grade(stubDir);
    result.stubs[name] = stubs.score;
    log(`${name}: the released stubs score ${stubs.score}/${stubs.maxScore}`);
    const texts = new Map(files.map((f) => [f, readFileSync(join(releaseDir, f), 'utf8')]));
    const names = (f: string) => functions.some((fn) => texts.get(f)!.includes(fn));
    for (const file of files) {
      // Alone, a file can only export what it names; with its folder, what any file of the folder names.
      const alone = names(file);
      const folder = files.filter((f) => dirname(f) === dirname(file));
      const withFolder = IMPORTS_NEIGHBOUR.test(texts.get(file)!) && folder.some(names);
      const tries = [...(alone ? [false] : []), ...(withFolder ? [true] : [])];
      if (tries.length === 0) continue;
      candidates.add(file);
      for (const withNeighbours of tries) {
        const dir = mkdtempSync(join(tmpdir(), 'release-adversary-'));
        try {
          if (withNeighbours) {
            for (const n of readdirSync(dirname(join(releaseDir, file)))) {
              const from = join(dirname(join(releaseDir, file)), n);
              if (n.endsWith('.ts') && statSync(from).isFile()) copyFileSync(from, join(dir, n));
            }
          }
          for (const target of codeFiles) {
            mkdirSync(dirname(join(dir, target)), { recursive: true });
            copyFileSync(join(releaseDir, file), join(dir, target));
          }
          const report = await grade(dir);
          const attempt: Attempt = {
            file,
            assignment: name,
            withNeighbours,
            score: report.score,
            maxScore: report.maxScore,
            passed: report.checks.filter((c) => c.status === 'passed' && c.score > 0).map((c) => c.id),
          };
          result.attempts.push(attempt);
          if (attempt.score > stubs.score) {
            result.leaks.push(attempt);
            log(
              `LEAK ${file}${withNeighbours ? ' (with its folder)' : ''} scores ${attempt.score} on ${name}: ${attempt.passed.join(', ')}`,
            );
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  }
  result.unexportable = files.filter((f) => !candidates.has(f)).length;
  log(
    `graded ${result.attempts.length} attempts from ${candidates.size} files; ${result.unexportable} files name no graded function; ${result.leaks.length} leaks`,
  );
  return result;
}

/** One line per leak, for an error message. */
export function describeLeaks(leaks: readonly Attempt[]): string {
  return leaks
    .map(
      (l) =>
        `${l.file}${l.withNeighbours ? ' (with its folder)' : ''} as a ${l.assignment} submission scores ${l.score}/${l.maxScore} (${l.passed.join(', ')})`,
    )
    .join('; ');
}
