// Grade files an LMS imports: Canvas's gradebook CSV and Moodle's "Import grades from CSV". Folder names
// are the batch's names for students; the roster maps them to the LMS's ids and emails. A student whose
// grade is not final (a written task still pending, or the submission not graded) gets an empty cell,
// which both LMSs read as "no change", so an import never turns a missing grade into a zero.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@course/core';
import { writeFileAtomic } from '@course/d2l';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import {
  assignmentOf,
  type FinalGrade,
  finalGrades,
  loadGradebookContext,
  spreadsheetCsv,
  writeGradebook,
} from '../records/gradebook.ts';
import { readAllResults } from '../records/result-file.ts';
import { writeFeedback } from './feedback.ts';

export const ROSTER_FILE = 'roster.csv';

/** One student of roster.csv; only `folder` is required, and each LMS needs one of its own ids. */
export const RosterEntry = z.object({
  folder: z.string().min(1),
  name: z.string().optional(),
  email: z.string().optional(),
  /** Canvas: the numeric user ID ("ID" in Canvas's gradebook export). */
  canvas_id: z.string().optional(),
  sis_user_id: z.string().optional(),
  sis_login_id: z.string().optional(),
  section: z.string().optional(),
  /** Moodle: the user's "ID number" field. */
  id_number: z.string().optional(),
});
export type RosterEntry = z.infer<typeof RosterEntry>;

export function parseRoster(text: string, file = ROSTER_FILE): RosterEntry[] {
  const rows = parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true }) as Array<
    Record<string, string>
  >;
  const seen = new Set<string>();
  return rows.map((row, i) => {
    const cleaned = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== ''));
    const parsed = RosterEntry.safeParse(cleaned);
    if (!parsed.success) throw new Error(`${file}: row ${i + 2}: needs a 'folder' (the student's folder name)`);
    if (seen.has(parsed.data.folder)) throw new Error(`${file}: row ${i + 2}: folder '${parsed.data.folder}' twice`);
    seen.add(parsed.data.folder);
    return parsed.data;
  });
}

export interface LmsExport {
  csv: string;
  /** Students left out or left blank, and why: printed by the CLI, so nothing is dropped unnoticed. */
  warnings: string[];
}

/** The points an LMS gets for a student, or '' when the grade is not final. */
function importable(g: FinalGrade | undefined): number | '' {
  if (!g || g.total === undefined || g.pending.length > 0) return '';
  return g.total;
}

function warningsFor(grades: FinalGrade[], roster: RosterEntry[], hasId: (r: RosterEntry) => boolean, lms: string) {
  const warnings: string[] = [];
  const inRoster = new Set(roster.map((r) => r.folder));
  for (const g of grades) {
    if (!inRoster.has(g.student)) warnings.push(`${g.student}: not in the roster, left out of the ${lms} file`);
    else if (g.total === undefined) warnings.push(`${g.student}: not graded (${g.status}), left blank`);
    else if (g.pending.length)
      warnings.push(`${g.student}: ${g.pending.join(', ')} still to grade by hand, left blank`);
  }
  const graded = new Set(grades.map((g) => g.student));
  for (const r of roster) {
    if (!graded.has(r.folder)) warnings.push(`${r.folder}: in the roster but has no result, left blank`);
    if (!hasId(r)) warnings.push(`${r.folder}: no ${lms} id in the roster, left out`);
  }
  return warnings;
}

function feedback(g: FinalGrade | undefined): string {
  if (!g) return '';
  const parts = g.comments.map((c) => `${c.task}: ${c.text}`);
  if (g.late.daysLate > 0)
    parts.push(
      g.late.pastCutoff
        ? `Late by ${g.late.daysLate} day(s), past the cutoff: 0.`
        : `Late by ${g.late.daysLate} day(s): −${g.late.penaltyPercent}% (${g.penalty} points).`,
    );
  return parts.join('\n');
}

/**
 * Canvas (Grades → Import): the columns of Canvas's own export, Student, ID, SIS User ID, SIS Login ID,
 * Section, then one assignment column. Canvas matches students by ID or SIS ids, and an assignment
 * column by its name; "Name (1234)" targets the existing assignment 1234, a new name creates one.
 */
export function canvasCsv(grades: FinalGrade[], roster: RosterEntry[], column: string): LmsExport {
  const hasId = (r: RosterEntry) => Boolean(r.canvas_id || r.sis_user_id || r.sis_login_id);
  const byFolder = new Map(grades.map((g) => [g.student, g]));
  const rows = roster.filter(hasId).map((r) => ({
    Student: r.name ?? r.folder,
    ID: r.canvas_id ?? '',
    'SIS User ID': r.sis_user_id ?? '',
    'SIS Login ID': r.sis_login_id ?? '',
    Section: r.section ?? '',
    [column]: importable(byFolder.get(r.folder)),
  }));
  const columns = ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', column];
  return { csv: spreadsheetCsv(rows, columns), warnings: warningsFor(grades, roster, hasId, 'Canvas') };
}

/**
 * Moodle (Grades → Import → CSV file): students are identified by "Email address" (map it to the user's
 * email) or "ID number"; the grade column and its feedback column are mapped to the grade item.
 */
export function moodleCsv(grades: FinalGrade[], roster: RosterEntry[], item: string): LmsExport {
  const hasId = (r: RosterEntry) => Boolean(r.email || r.id_number);
  const byFolder = new Map(grades.map((g) => [g.student, g]));
  const rows = roster.filter(hasId).map((r) => ({
    'Full name': r.name ?? r.folder,
    'Email address': r.email ?? '',
    'ID number': r.id_number ?? '',
    [item]: importable(byFolder.get(r.folder)),
    Feedback: feedback(byFolder.get(r.folder)),
  }));
  const columns = ['Full name', 'Email address', 'ID number', item, 'Feedback'];
  return { csv: spreadsheetCsv(rows, columns), warnings: warningsFor(grades, roster, hasId, 'Moodle') };
}

export interface ExportOptions {
  outDir: string;
  /** Default: OUT/roster.csv. */
  rosterFile?: string;
  /** The Canvas column / Moodle grade item; default the manifest's title. */
  column?: string;
  submissionsDir?: string;
  manifest?: Manifest;
}

export interface ExportFiles {
  gradebook: string;
  canvas: string;
  moodle: string;
  /** OUT/feedback/, one Markdown file per student (when the manifest is known). */
  feedback?: string;
  warnings: string[];
}

/** Rebuilds gradebook.csv and writes canvas.csv, moodle.csv and feedback/<student>.md next to it. */
export async function exportGrades(opts: ExportOptions): Promise<ExportFiles> {
  const rosterFile = opts.rosterFile ?? join(opts.outDir, ROSTER_FILE);
  if (!existsSync(rosterFile))
    throw new Error(
      `no roster at '${rosterFile}': write one (folder,name,email,canvas_id,...; see docs/hand-grading.md)`,
    );
  const roster = parseRoster(readFileSync(rosterFile, 'utf8'), rosterFile);
  const results = await readAllResults(opts.outDir);
  if (results.length === 0) throw new Error(`no results in '${opts.outDir}/results': grade the class first`);
  const manifest = opts.manifest ?? assignmentOf(results)?.manifest;
  const ctx = loadGradebookContext(opts.outDir, results, { submissionsDir: opts.submissionsDir, manifest });
  const grades = finalGrades(results, ctx);
  const column = opts.column ?? manifest?.title ?? results[0]?.report?.assignment ?? 'grade';
  const canvas = canvasCsv(grades, roster, column);
  const moodle = moodleCsv(grades, roster, column);
  const files = {
    gradebook: writeGradebook(opts.outDir, results, ctx),
    canvas: join(opts.outDir, 'canvas.csv'),
    moodle: join(opts.outDir, 'moodle.csv'),
  };
  writeFileAtomic(files.canvas, canvas.csv);
  writeFileAtomic(files.moodle, moodle.csv);
  const feedback = manifest ? writeFeedback(opts.outDir, grades, manifest, ctx.hand) : undefined;
  return { ...files, feedback, warnings: [...new Set([...canvas.warnings, ...moodle.warnings])] };
}
