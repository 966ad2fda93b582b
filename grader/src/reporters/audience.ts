// Who reads a report decides what it may hold: a student never sees a hidden check, not even through
// the totals (its points leave the score and the maximum), while an instructor sees everything.
import type { CheckResult, GradeReport, Visibility } from '@course/core';

export type Audience = 'student' | 'instructor';

/** Reports that include hidden checks are for instructors unless the caller says otherwise. */
export function defaultAudience(report: GradeReport): Audience {
  return report.hiddenIncluded ? 'instructor' : 'student';
}

function sum(checks: CheckResult[], key: 'score' | 'maxScore'): number {
  return checks.reduce((total, check) => total + check[key], 0);
}

/** The report as `audience` may see it; the input is left untouched. */
export function forAudience(report: GradeReport, audience: Audience = defaultAudience(report)): GradeReport {
  if (audience === 'instructor') return report;
  const hidden = report.checks.filter((check) => check.visibility === 'hidden');
  if (hidden.length === 0) return report;
  const round = (n: number) => Math.max(0, Math.round(n * 1e6) / 1e6);
  return {
    ...report,
    // What this copy holds: a student's view has no hidden check left in it.
    hiddenIncluded: false,
    score: round(report.score - sum(hidden, 'score')),
    maxScore: round(report.maxScore - sum(hidden, 'maxScore')),
    tasks: report.tasks.map((task) => {
      const own = hidden.filter((check) => check.task === task.id);
      return {
        ...task,
        score: round(task.score - sum(own, 'score')),
        maxScore: round(task.maxScore - sum(own, 'maxScore')),
      };
    }),
    checks: report.checks.filter((check) => check.visibility !== 'hidden'),
  };
}

const VISIBILITY_NOTES: Record<Visibility, string> = {
  visible: '',
  hidden: 'hidden from students',
  after_due_date: 'shown to students after the due date',
  after_published: 'shown to students once grades are published',
};

/** A short note for checks that are not plainly visible ('' for visible ones). */
export function visibilityNote(visibility: Visibility): string {
  return VISIBILITY_NOTES[visibility];
}
