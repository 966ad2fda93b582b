import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest, readJsonFile } from '@course/core';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { finalizeBatch } from '../batch/finalize.ts';
import { gitTime, lateness, parseTimesCsv } from '../records/deadlines.ts';
import { loadGradebookContext, writeGradebook } from '../records/gradebook.ts';
import { applyChange, emptyHandGrades, handScore, rescore, writeHandGrades } from '../records/hand-grades.ts';
import { readAllResults } from '../records/result-file.ts';
import { fixtureManifest, makeGradedClass } from '../review/class-fixture.ts';
import { exportGrades, parseRoster } from './lms.ts';

const readCsv = (path: string) => {
  const bytes = readFileSync(path);
  // Spreadsheets need the byte-order mark to read UTF-8.
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return parse(bytes.toString('utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
};

const hasGit = (() => {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// 22:59 UTC.
const DUE = '2026-03-01T23:59:00+01:00';
const POLICY = { perDayPercent: 10, cutoffDays: 5, graceMinutes: 15 };

describe('manifest: rubric, due, latePolicy', () => {
  const base = () =>
    readJsonFile('assignments/resnet/manifest.json') as { tasks: Array<Record<string, unknown>>; due?: string };
  const at = (manifest: unknown) => () => parseManifest(manifest, 'm.json');

  it('has a rubric on each written task of resnet, worth its points', () => {
    for (const task of fixtureManifest().tasks.filter((t) => t.kind === 'manual'))
      expect(task.rubric?.reduce((s, item) => s + item.points, 0)).toBe(task.points);
  });

  it('names the bad field: a due date without offset, a policy without due, a rubric on an auto task, an item twice', () => {
    expect(at({ ...base(), due: '2026-03-01T23:59:00' })).toThrow(/^m\.json: field 'due': /);
    expect(at({ ...base(), due: '2026-03-01T23:59:00Z', latePolicy: { perDayPercent: 10 } })).not.toThrow();
    expect(at({ ...base(), latePolicy: { perDayPercent: 10 } })).toThrow(
      /field 'latePolicy': .*needs the assignment's 'due'/,
    );
    expect(at({ ...base(), due: '2026-03-01T23:59:00Z', latePolicy: { perDayPercent: 120 } })).toThrow(
      /field 'latePolicy\.perDayPercent'/,
    );
    const onAuto = base();
    onAuto.tasks[1] = { ...onAuto.tasks[1], rubric: [{ id: 'a', text: 'a', points: 1 }] };
    expect(at(onAuto)).toThrow(/field 'tasks\[1\]\.rubric': only a task graded by hand/);
    const twice = base();
    const item = { id: 'same', text: 'x', points: 1 };
    twice.tasks[0] = { ...twice.tasks[0], rubric: [item, item] };
    expect(at(twice)).toThrow(/field 'tasks\[0\]\.rubric\[1\]\.id': duplicate rubric item 'same'/);
  });
});

describe('lateness', () => {
  it('counts started days past the due date after the grace period, and gives 0 past the cutoff', () => {
    const at = (time: string) => lateness(DUE, POLICY, time);
    expect(at('2026-03-01T23:09:00+01:00')).toEqual({ daysLate: 0, penaltyPercent: 0, pastCutoff: false });
    expect(at('2026-03-01T23:09:00Z').daysLate).toBe(0); // 10 minutes late: within the grace period
    expect(at('2026-03-02T00:30:00+01:00')).toEqual({ daysLate: 1, penaltyPercent: 10, pastCutoff: false });
    expect(at('2026-03-03T11:59:00+01:00')).toEqual({ daysLate: 2, penaltyPercent: 20, pastCutoff: false });
    expect(at('2026-03-06T23:59:00+01:00')).toEqual({ daysLate: 5, penaltyPercent: 50, pastCutoff: false });
    expect(at('2026-03-07T00:00:00+01:00')).toEqual({ daysLate: 6, penaltyPercent: 100, pastCutoff: true });
  });

  it('caps the penalty at 100%, counts days without a policy, and applies nothing when the time is unknown', () => {
    expect(lateness(DUE, { perDayPercent: 30 }, '2026-03-05T23:00:00Z').penaltyPercent).toBe(100);
    expect(lateness(DUE, undefined, '2026-03-03T00:00:00Z')).toEqual({
      daysLate: 2,
      penaltyPercent: 0,
      pastCutoff: false,
    });
    expect(lateness(DUE, POLICY, undefined).penaltyPercent).toBe(0);
    expect(lateness(undefined, POLICY, '2030-01-01T00:00:00Z').daysLate).toBe(0);
  });

  it('reads submission-times.csv and refuses a time without an offset', () => {
    const times = parseTimesCsv('\ufeffstudent,submitted_at,ignored\nalice,2026-03-01T20:00:00Z,x\n');
    expect([...times]).toEqual([['alice', '2026-03-01T20:00:00Z']]);
    expect(() => parseTimesCsv('student,submitted_at\nbob,2026-03-01 20:00\n')).toThrow(/row 2: .* with an offset/);
  });

  it.skipIf(!hasGit)('takes the commit time of a clone, or of the last commit touching the folder', async () => {
    const cls = await makeGradedClass({ alice: { auto: {} }, bob: { auto: {} } });
    const env = {
      ...process.env,
      GIT_COMMITTER_DATE: '2026-03-02T08:00:00+00:00',
      GIT_AUTHOR_DATE: '2026-02-01T00:00:00Z',
    };
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd,
        env,
        stdio: 'ignore',
      });
    // alice: her own clone (GitHub Classroom).
    git(join(cls.submissions, 'alice'), 'init', '-q');
    git(join(cls.submissions, 'alice'), 'add', '.');
    git(join(cls.submissions, 'alice'), 'commit', '-qm', 'hand in');
    expect(Date.parse(gitTime(join(cls.submissions, 'alice')) ?? '')).toBe(Date.parse('2026-03-02T08:00:00Z'));
    // bob: a folder of the instructor's repository; no commit touches carol's folder.
    git(cls.root, 'init', '-q');
    git(cls.root, 'add', 'submissions/bob');
    git(cls.root, 'commit', '-qm', 'collect');
    expect(Date.parse(gitTime(join(cls.submissions, 'bob')) ?? '')).toBe(Date.parse('2026-03-02T08:00:00Z'));
    mkdirSync(join(cls.submissions, 'carol'));
    expect(gitTime(join(cls.submissions, 'carol'))).toBeUndefined();
  });
});

describe('hand scores', () => {
  const task = fixtureManifest().tasks.find((t) => t.id === 'ex1-inception')!;

  it('adds the ticked items and the adjustment, within 0..points, and a retried change changes nothing twice', () => {
    let grade = applyChange(task, undefined, { op: 'comment', text: 'Good start.' });
    expect(grade).toMatchObject({ graded: false, score: 0, comment: 'Good start.' });
    grade = applyChange(task, grade, { op: 'item', item: 'branches', on: true });
    grade = applyChange(task, grade, { op: 'item', item: 'branches', on: true });
    grade = applyChange(task, grade, { op: 'item', item: 'clarity', on: true });
    expect(grade).toMatchObject({ graded: true, items: ['branches', 'clarity'], score: 4, maxScore: 10 });
    expect(applyChange(task, grade, { op: 'adjustment', value: 20 }).score).toBe(10);
    expect(applyChange(task, grade, { op: 'adjustment', value: -9 }).score).toBe(0);
    expect(applyChange(task, grade, { op: 'item', item: 'branches', on: false }).score).toBe(1);
    expect(() => applyChange(task, grade, { op: 'item', item: 'nope', on: true })).toThrow(/no rubric item 'nope'/);
  });

  it('rescores stored grades when the rubric changes, dropping removed items', () => {
    const grades = emptyHandGrades();
    grades.grades.alice = {
      [task.id]: applyChange(task, applyChange(task, undefined, { op: 'item', item: 'branches', on: true }), {
        op: 'item',
        item: 'reduction',
        on: true,
      }),
    };
    expect(grades.grades.alice[task.id]?.score).toBe(6);
    const edited = { ...task, rubric: [{ id: 'branches', text: 'branches', points: 5 }] };
    expect(rescore(grades, [edited])).toBe(true);
    expect(grades.grades.alice[task.id]).toMatchObject({ items: ['branches'], score: 5 });
    expect(handScore(edited, { items: ['branches'], adjustment: 0 })).toBe(5);
    expect(rescore(grades, [edited])).toBe(false);
  });
});

describe('gradebook and LMS exports', () => {
  const manifest = fixtureManifest({ due: DUE, latePolicy: POLICY });
  const auto = { 'ex2-deep-variants': 15, 'ex3-bottleneck': 30, 'ex4-preact': 20 };

  async function gradedClass() {
    const cls = await makeGradedClass(
      { alice: { auto }, 'bob-müller': { auto }, carol: {}, dave: { auto: { 'ex3-bottleneck': 10 } } },
      manifest,
    );
    writeFileSync(
      join(cls.submissions, 'submission-times.csv'),
      [
        'student,submitted_at',
        'alice,2026-03-01T21:00:00Z',
        'bob-müller,2026-03-03T10:00:00Z',
        'dave,2026-03-10T00:00:00Z',
        '',
      ].join('\n'),
    );
    // The hand grades as the review page leaves them: alice complete, bob one task, dave both (past the cutoff).
    const [ex1, ex5] = manifest.tasks.filter((t) => t.kind === 'manual');
    const tick = (t: typeof ex1, items: string[], comment = '') =>
      items.reduce(
        (g, item) => applyChange(t!, g, { op: 'item', item, on: true }),
        applyChange(t!, undefined, { op: 'comment', text: comment }),
      );
    const grades = emptyHandGrades();
    grades.grades.alice = {
      [ex1!.id]: tick(ex1, ['branches', 'identity-path'], '=clear'),
      [ex5!.id]: tick(ex5, ['cost']),
    };
    grades.grades['bob-müller'] = {
      [ex1!.id]: tick(ex1, ['branches', 'identity-path', 'reduction', 'clarity'], 'full marks'),
    };
    grades.grades.dave = { [ex1!.id]: tick(ex1, ['clarity']), [ex5!.id]: tick(ex5, ['clarity']) };
    writeHandGrades(cls.out, grades);
    return cls;
  }

  it('shows pending written tasks as pending, merges hand scores, applies late penalties, totals out of 100', async () => {
    const cls = await gradedClass();
    // The batch's own finalize merges the hand grades (the real manifest has no deadline)...
    const { files } = await finalizeBatch(cls.out);
    const plain = Object.fromEntries(readCsv(files.gradebook).map((r) => [r.student, r]));
    expect(plain['bob-müller']).toMatchObject({ total: '75', late_penalty: '0', 'ex5-nested-classes': 'pending' });
    // ...and with this manifest's deadline, the late policy applies.
    const results = await readAllResults(cls.out);
    writeGradebook(cls.out, results, loadGradebookContext(cls.out, results, { manifest }));
    const rows = Object.fromEntries(readCsv(files.gradebook).map((r) => [r.student, r]));
    expect(rows.alice).toMatchObject({
      total: '74',
      max: '100',
      'ex1-inception': '6',
      'ex5-nested-classes': '3',
      auto: '65',
      hand: '9',
      pending: '',
      days_late: '0',
      late_penalty: '0',
      status: 'graded',
      time_from: 'file',
    });
    // 2 days late at 10% a day: 20% of 65 + 10.
    expect(rows['bob-müller']).toMatchObject({
      'ex1-inception': '10',
      'ex5-nested-classes': 'pending',
      pending: 'ex5-nested-classes',
      days_late: '2',
      late_penalty: '15',
      total: '60',
    });
    expect(rows.dave).toMatchObject({ total: '0', late_penalty: '12', status: 'past-cutoff', days_late: '9' });
    expect(rows.carol).toMatchObject({ total: '', max: '', 'ex1-inception': '', status: 'error' });
  });

  it('writes Canvas and Moodle files that parse back, blank where the grade is not final', async () => {
    const cls = await gradedClass();
    writeFileSync(
      join(cls.out, 'roster.csv'),
      [
        'folder,name,email,canvas_id,sis_user_id,section,id_number',
        'alice,"Liddell, Alice",alice@example.edu,101,S1,A,ID-1',
        'bob-müller,"Müller, Bob",bob@example.edu,102,S2,A,ID-2',
        'carol,"Ng, Carol",carol@example.edu,103,S3,B,',
        'erin,"Erin Only",erin@example.edu,,,,',
        '',
      ].join('\n'),
    );
    const files = await exportGrades({ outDir: cls.out, manifest });
    const column = manifest.title;
    const canvas = readCsv(files.canvas);
    expect(Object.keys(canvas[0] ?? {})).toEqual(['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', column]);
    expect(canvas.map((r) => [r.Student, r.ID, r['SIS User ID'], r[column]])).toEqual([
      ['Liddell, Alice', '101', 'S1', '74'],
      ['Müller, Bob', '102', 'S2', ''], // ex5 still pending
      ['Ng, Carol', '103', 'S3', ''], // not graded
    ]);
    const moodle = readCsv(files.moodle);
    expect(Object.keys(moodle[0] ?? {})).toEqual(['Full name', 'Email address', 'ID number', column, 'Feedback']);
    expect(moodle.map((r) => [r['Email address'], r[column]])).toEqual([
      ['alice@example.edu', '74'],
      ['bob@example.edu', ''],
      ['carol@example.edu', ''],
      ['erin@example.edu', ''],
    ]);
    // The comments and the lateness go to the student as Moodle feedback.
    expect(moodle[0]?.Feedback).toBe('ex1-inception: =clear');
    expect(moodle[1]?.Feedback).toBe('ex1-inception: full marks\nLate by 2 day(s): −20% (15 points).');
    expect(files.warnings).toEqual(
      expect.arrayContaining([
        'dave: not in the roster, left out of the Canvas file',
        'bob-müller: ex5-nested-classes still to grade by hand, left blank',
        'carol: not graded (error), left blank',
        'erin: in the roster but has no result, left blank',
        'erin: no Canvas id in the roster, left out',
      ]),
    );
  });

  it('writes each student a feedback file: total, lateness, rubric items met, comments; nothing about checks', async () => {
    const cls = await gradedClass();
    writeFileSync(join(cls.out, 'roster.csv'), 'folder,email\nalice,a@example.edu\n');
    const files = await exportGrades({ outDir: cls.out, manifest });
    const bob = readFileSync(join(files.feedback ?? '', 'bob-müller.md'), 'utf8');
    expect(bob).toContain(
      '**Total so far (some written answers are not graded yet): 60 / 100** (automatic checks 65, by hand 10, late penalty −15)',
    );
    expect(bob).toContain('2 day(s) late, −20% of the points earned.');
    expect(bob).toMatch(/## Exercise 1: .*\n\n10 \/ 10\n\n- \[x\] Inception concatenates/);
    expect(bob).toContain('full marks');
    expect(bob).toMatch(/## Exercise 5: .*\n\nNot graded yet\./);
    const alice = readFileSync(join(files.feedback ?? '', 'alice.md'), 'utf8');
    expect(alice).toContain('**Total: 74 / 100**');
    expect(alice).toContain(': on time.');
    expect(alice).toContain('- [ ] With all but one convolution branch');
    expect(readFileSync(join(files.feedback ?? '', 'dave.md'), 'utf8')).toContain('past the cutoff, so 0.');
    expect(readFileSync(join(files.feedback ?? '', 'carol.md'), 'utf8')).toContain('Not graded');
    for (const student of ['alice', 'bob-müller', 'carol', 'dave'])
      expect(readFileSync(join(files.feedback ?? '', `${student}.md`), 'utf8')).not.toMatch(/hidden|\.shapes|\.params/);
  });

  it('refuses a roster row without a folder, or a folder twice', () => {
    expect(() => parseRoster('folder,email\n,x@example.edu\n')).toThrow(/row 2: needs a 'folder'/);
    expect(() => parseRoster('folder\na\na\n')).toThrow(/row 3: folder 'a' twice/);
  });
});
