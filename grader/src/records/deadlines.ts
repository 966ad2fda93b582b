// When each submission was handed in, and what the manifest's late policy takes off for it.
// The time comes from, in order: a submission-times.csv next to the student folders (written from the
// LMS's export, which knows when a file was uploaded), else the git commit time of the folder (a
// GitHub Classroom clone, or a folder inside the instructor's repository), else it is unknown and no
// penalty is applied (the gradebook says so rather than guessing).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LatePolicy } from '@course/core';
import { parse } from 'csv-parse/sync';

export const TIMES_FILE = 'submission-times.csv';

export interface SubmissionTime {
  /** ISO 8601, as the source gave it. */
  at: string;
  source: 'file' | 'git';
}

export interface Lateness {
  /** Started days past the due date (0 when on time or within the grace period). */
  daysLate: number;
  /** Percentage of the points earned that is taken off (100 past the cutoff). */
  penaltyPercent: number;
  pastCutoff: boolean;
}

export const ON_TIME: Lateness = { daysLate: 0, penaltyPercent: 0, pastCutoff: false };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days late and the penalty for a submission at `submittedAt` (ISO strings; the due date has its offset). */
export function lateness(due: string | undefined, policy: LatePolicy | undefined, submittedAt?: string): Lateness {
  if (!due || !submittedAt) return ON_TIME;
  const late = Date.parse(submittedAt) - Date.parse(due);
  if (!Number.isFinite(late)) throw new Error(`cannot compare submission time '${submittedAt}' with due '${due}'`);
  if (late <= (policy?.graceMinutes ?? 0) * 60_000) return ON_TIME;
  const daysLate = Math.ceil(late / DAY_MS);
  if (!policy) return { daysLate, penaltyPercent: 0, pastCutoff: false };
  const pastCutoff = policy.cutoffDays !== undefined && late > policy.cutoffDays * DAY_MS;
  return {
    daysLate,
    penaltyPercent: pastCutoff ? 100 : Math.min(100, daysLate * policy.perDayPercent),
    pastCutoff,
  };
}

/**
 * submission-times.csv: a header naming `student` (the folder name) and `submitted_at` (ISO 8601 with
 * an offset); other columns are ignored, so an LMS export can be trimmed to it in a spreadsheet.
 */
export function parseTimesCsv(text: string, file = TIMES_FILE): Map<string, string> {
  const rows = parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true }) as Array<
    Record<string, string>
  >;
  const times = new Map<string, string>();
  for (const [i, row] of rows.entries()) {
    const student = row.student;
    const at = row.submitted_at;
    if (!student || !at) throw new Error(`${file}: row ${i + 2} needs 'student' and 'submitted_at'`);
    if (!Number.isFinite(Date.parse(at)) || !/(Z|[+-]\d\d:?\d\d)$/.test(at))
      throw new Error(
        `${file}: row ${i + 2}: '${at}' is not an ISO date-time with an offset (e.g. 2026-03-01T23:59:00Z)`,
      );
    times.set(student, at);
  }
  return times;
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    const out = execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The committer time of the folder's own repository's HEAD, or of the last commit touching the folder. */
export function gitTime(folder: string): string | undefined {
  if (!existsSync(folder)) return undefined;
  if (existsSync(join(folder, '.git'))) return git(folder, ['log', '-1', '--format=%cI', 'HEAD']);
  return git(dirname(folder), ['log', '-1', '--format=%cI', '--', basename(folder)]);
}

/** Each student's hand-in time, from the class's submission-times.csv or else git; absent when unknown. */
export function submissionTimes(folders: ReadonlyMap<string, string>): Map<string, SubmissionTime> {
  const files = new Map<string, Map<string, string>>();
  const fromFile = (dir: string) => {
    let times = files.get(dir);
    if (!times) {
      const path = join(dir, TIMES_FILE);
      times = existsSync(path) ? parseTimesCsv(readFileSync(path, 'utf8'), path) : new Map();
      files.set(dir, times);
    }
    return times;
  };
  const out = new Map<string, SubmissionTime>();
  for (const [student, folder] of folders) {
    const listed = fromFile(dirname(folder)).get(student);
    if (listed) out.set(student, { at: listed, source: 'file' });
    else {
      const committed = gitTime(folder);
      if (committed) out.set(student, { at: committed, source: 'git' });
    }
  }
  return out;
}
