// OUT/feedback/<student>.md: what a student is told about the grade once the written tasks are graded:
// the final total and its parts, the lateness, and per written task the rubric items met and the
// grader's comment. It names no check, hidden or not (the reports do that), so it is safe to hand out.
import { join } from 'node:path';
import type { Manifest } from '@course/core';
import { writeFileAtomic } from '@course/d2l';
import type { FinalGrade } from '../records/gradebook.ts';
import type { HandGrades } from '../records/hand-grades.ts';

const pts = (n: number) => String(Math.round(n * 100) / 100);

export function feedbackMarkdown(g: FinalGrade, manifest: Manifest, hand: HandGrades): string {
  const out = [`# ${manifest.title}: ${g.student}`, ''];
  if (g.total === undefined) {
    out.push(`Not graded: the automatic grading ended with "${g.status}". Your instructor will be in touch.`, '');
    return `${out.join('\n')}\n`;
  }
  const final = g.pending.length === 0 ? '' : ' so far (some written answers are not graded yet)';
  out.push(
    `**Total${final}: ${pts(g.total)} / ${pts(g.max ?? 0)}** (automatic checks ${pts(g.auto ?? 0)}, by hand ${pts(g.hand)}`,
  );
  out[out.length - 1] += g.penalty > 0 ? `, late penalty −${pts(g.penalty)})` : ')';
  if (g.submittedAt && manifest.due) {
    const when = `Handed in ${g.submittedAt.at}, due ${manifest.due}`;
    if (g.late.daysLate === 0) out.push('', `${when}: on time.`);
    else if (g.late.pastCutoff) out.push('', `${when}: ${g.late.daysLate} day(s) late, past the cutoff, so 0.`);
    else out.push('', `${when}: ${g.late.daysLate} day(s) late, −${g.late.penaltyPercent}% of the points earned.`);
  }
  for (const task of manifest.tasks.filter((t) => t.kind === 'manual')) {
    const grade = hand.grades[g.student]?.[task.id];
    out.push('', `## Exercise ${task.exercise}: ${task.title}`, '');
    if (!grade?.graded) {
      out.push('Not graded yet.');
      continue;
    }
    out.push(`${pts(grade.score)} / ${pts(task.points)}`, '');
    for (const item of task.rubric ?? [])
      out.push(`- [${grade.items.includes(item.id) ? 'x' : ' '}] ${item.text} (${pts(item.points)})`);
    if (grade.adjustment !== 0) out.push(`- adjustment: ${grade.adjustment > 0 ? '+' : ''}${pts(grade.adjustment)}`);
    if (grade.comment.trim()) out.push('', grade.comment.trim());
  }
  return `${out.join('\n')}\n`;
}

/** Writes one feedback file per student; returns the folder. */
export function writeFeedback(outDir: string, grades: FinalGrade[], manifest: Manifest, hand: HandGrades): string {
  const dir = join(outDir, 'feedback');
  for (const g of grades) writeFileAtomic(join(dir, `${g.student}.md`), feedbackMarkdown(g, manifest, hand));
  return dir;
}
