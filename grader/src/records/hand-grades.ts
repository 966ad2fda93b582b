// Hand grades: OUT/hand-grades.json, one entry per student and written task. Every change rewrites the
// whole file through the repository's atomic writer, so a reload, a crash or a killed server finds either
// the state before the change or the state after it, never half a file. Each entry keeps the score it
// was given, so the gradebook can merge hand scores without knowing the rubric.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestTask } from '@course/core';
import { writeFileAtomic } from '@course/d2l';
import { z } from 'zod';

export const HAND_GRADES_FILE = 'hand-grades.json';

export const HandGrade = z.object({
  /** Set by the grader (any rubric tick or adjustment, or "mark graded"); a comment alone grades nothing. */
  graded: z.boolean(),
  /** Ids of the ticked rubric items. */
  items: z.array(z.string()),
  /** Points added (or, negative, taken off) on top of the rubric. */
  adjustment: z.number(),
  comment: z.string(),
  score: z.number().min(0),
  maxScore: z.number().min(0),
  updatedAt: z.string(),
});
export type HandGrade = z.infer<typeof HandGrade>;

export const HandGrades = z.object({
  schemaVersion: z.literal(1),
  /** student → task id → grade */
  grades: z.record(z.string(), z.record(z.string(), HandGrade)),
});
export type HandGrades = z.infer<typeof HandGrades>;

/** One change from the review page; each is idempotent, so a retried request changes nothing twice. */
export const HandGradeChange = z.discriminatedUnion('op', [
  z.object({ op: z.literal('item'), item: z.string(), on: z.boolean() }),
  z.object({ op: z.literal('adjustment'), value: z.number().finite() }),
  z.object({ op: z.literal('comment'), text: z.string().max(20_000) }),
  z.object({ op: z.literal('graded'), value: z.boolean() }),
]);
export type HandGradeChange = z.infer<typeof HandGradeChange>;

export const emptyHandGrades = (): HandGrades => ({ schemaVersion: 1, grades: {} });

export const handGradesPath = (outDir: string) => join(outDir, HAND_GRADES_FILE);

/** The stored grades; none when the file is absent. A damaged file is an error, never silently empty. */
export function readHandGrades(outDir: string): HandGrades {
  const path = handGradesPath(outDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyHandGrades();
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message}); restore it from a backup`);
  }
  const parsed = HandGrades.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: not a hand-grades file (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

export function writeHandGrades(outDir: string, grades: HandGrades): void {
  writeFileAtomic(handGradesPath(outDir), `${JSON.stringify(grades, null, 2)}\n`);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Ticked items plus the adjustment, kept within 0..the task's points. */
export function handScore(task: ManifestTask, grade: Pick<HandGrade, 'items' | 'adjustment'>): number {
  const ticked = (task.rubric ?? []).filter((item) => grade.items.includes(item.id));
  const raw = ticked.reduce((s, item) => s + item.points, 0) + grade.adjustment;
  return round2(Math.min(task.points, Math.max(0, raw)));
}

const blank = (task: ManifestTask, now: string): HandGrade => ({
  graded: false,
  items: [],
  adjustment: 0,
  comment: '',
  score: 0,
  maxScore: task.points,
  updatedAt: now,
});

/** The grade after one change (a new object; the input is left as it was). */
export function applyChange(
  task: ManifestTask,
  before: HandGrade | undefined,
  change: HandGradeChange,
  now = new Date().toISOString(),
): HandGrade {
  const grade = { ...(before ?? blank(task, now)), updatedAt: now };
  switch (change.op) {
    case 'item': {
      if (!(task.rubric ?? []).some((item) => item.id === change.item))
        throw new Error(`task '${task.id}' has no rubric item '${change.item}'`);
      const others = grade.items.filter((id) => id !== change.item);
      grade.items = change.on ? [...others, change.item] : others;
      grade.graded = true;
      break;
    }
    case 'adjustment':
      grade.adjustment = change.value;
      grade.graded = true;
      break;
    case 'comment':
      grade.comment = change.text;
      break;
    case 'graded':
      grade.graded = change.value;
      break;
  }
  return { ...grade, score: handScore(task, grade), maxScore: task.points };
}

/**
 * Scores recomputed from the manifest as it is now (an instructor may fix a rubric item's points after
 * grading began); items no longer in the rubric are dropped. Returns whether anything changed.
 */
export function rescore(grades: HandGrades, tasks: readonly ManifestTask[]): boolean {
  let changed = false;
  for (const perTask of Object.values(grades.grades)) {
    for (const [taskId, grade] of Object.entries(perTask)) {
      const task = tasks.find((t) => t.id === taskId);
      if (!task) continue;
      const items = grade.items.filter((id) => (task.rubric ?? []).some((item) => item.id === id));
      const score = handScore(task, { items, adjustment: grade.adjustment });
      if (score !== grade.score || task.points !== grade.maxScore || items.length !== grade.items.length) {
        perTask[taskId] = { ...grade, items, score, maxScore: task.points };
        changed = true;
      }
    }
  }
  return changed;
}
