// Which checks a grading runs: `--checks ID[,ID]` (an unknown id is a usage error that lists the valid
// ones: a typo must not skip every check and report 0 points) and, for `--watch`, the checks of the files
// that changed.
import { loadPlan, UsageError } from './grade.ts';

export interface CheckRef {
  id: string;
  /** The student file whose functions the check grades. */
  file: string;
}

/** Every check of the assignment (hidden ones too with `hidden`), in the report's order. */
export function assignmentChecks(assignment: string, hidden: boolean): CheckRef[] {
  const plan = loadPlan(assignment, hidden);
  return plan.checks.map((c) => ({ id: c.id, file: plan.manifest.functions[c.target]?.file ?? '' }));
}

/** The ids of a `--checks` value, each one known, or a UsageError naming the unknown ones and the valid ids. */
export function parseChecksOption(spec: string, known: readonly CheckRef[]): string[] {
  const ids = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new UsageError('--checks needs at least one check id');
  const valid = new Set(known.map((c) => c.id));
  const unknown = ids.filter((id) => !valid.has(id));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown check id${unknown.length > 1 ? 's' : ''} ${unknown.map((id) => `'${id}'`).join(', ')}; valid ids: ${known.map((c) => c.id).join(', ')}`,
    );
  return ids;
}

/** The checks (within `selected`, when given) that grade one of `files`. */
export function checksOfFiles(
  known: readonly CheckRef[],
  files: readonly string[],
  selected?: readonly string[],
): string[] {
  return known.filter((c) => files.includes(c.file) && (!selected || selected.includes(c.id))).map((c) => c.id);
}
