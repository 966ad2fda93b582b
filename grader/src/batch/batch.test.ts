import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../grader-version.ts';
import { sampleReport } from '../reporters/sample-report.ts';
import { type BatchOptions, childEnv, gradeBatch, studentsToGrade } from './index.ts';
import { mergeShards } from './merge.ts';
import { parseShard, shardOf } from './shard.ts';

const FAKE_GRADER = new URL('./fixtures/fake-grader.mjs', import.meta.url).pathname;

/** A class of fake submissions: each folder's mode.txt tells the fake grader how to behave. */
function makeClass(modes: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'batch-'));
  const submissions = join(root, 'submissions');
  // The mode is in a graded file too: the content hash covers only what is graded (intake.ts).
  const setMode = (student: string, mode: string) => {
    mkdirSync(join(submissions, student), { recursive: true });
    writeFileSync(join(submissions, student, 'mode.txt'), mode);
    writeFileSync(join(submissions, student, 'bottleneck.ts'), `// ${student}: ${mode}\n`);
  };
  for (const [student, mode] of Object.entries(modes)) setMode(student, mode);
  const template = join(root, 'template.json');
  writeFileSync(template, JSON.stringify(sampleReport()));
  const log = join(root, 'grader.log');
  writeFileSync(log, '');
  const options = (outDir: string, extra: Partial<BatchOptions> = {}): BatchOptions => ({
    submissionsDir: submissions,
    outDir: join(root, outDir),
    jobs: 2,
    hidden: true,
    backend: 'cpu',
    seed: 1,
    timeoutMs: 5_000,
    graderVersion: 'test-1',
    gradeCommand: [process.execPath, FAKE_GRADER, template, '{submission}'],
    env: { ...process.env, FAKE_GRADER_LOG: log },
    onProgress: () => {},
    ...extra,
  });
  const starts = () =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.endsWith(' start'))
      .map((l) => l.slice(0, -' start'.length));
  return { root, submissions, options, starts, log, setMode };
}

const readCsv = (path: string) =>
  parse(readFileSync(path, 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
const withoutSeconds = (rows: Array<Record<string, string>>) => rows.map(({ seconds: _, ...rest }) => rest);

describe('gradeBatch', () => {
  it('grades a correct, a wrong, a hanging and a crashing submission into four rows, and resumes', async () => {
    const cls = makeClass({ alice: 'good', bob: 'wrong', carol: 'hang', dave: 'crash' });
    const summary = await gradeBatch(cls.options('out', { timeoutMs: 4_000 }));
    expect(summary).toMatchObject({ total: 4, graded: 2, errors: 1, timeouts: 1, skipped: 0 });
    const rows = readCsv(summary.gradebook);
    expect(rows.map((r) => [r.student, r.status])).toEqual([
      ['alice', 'graded'],
      ['bob', 'graded'],
      ['carol', 'timeout'],
      ['dave', 'error'],
    ]);
    const full = sampleReport();
    expect(Number(rows[0]?.total)).toBe(full.score);
    expect(Number(rows[1]?.total)).toBe(full.score - 3);
    expect(rows[0]?.['ex3-bottleneck']).toBe('5');
    expect(rows[0]?.backend).toBe('cpu');
    expect(rows[2]?.total).toBe('');
    expect(rows[3]?.message).toContain('simulated crash');
    // Per-student reports are the student's view: no hidden check.
    const html = readFileSync(join(cls.root, 'out/reports/alice/report.html'), 'utf8');
    expect(html).toContain('check-bottleneck.branch');
    expect(html).not.toContain('HIDDEN-CHECK-MESSAGE');
    const page = readFileSync(summary.summary.html, 'utf8');
    expect(page.match(/<svg/g)?.length).toBe(2);
    const md = readFileSync(summary.summary.markdown, 'utf8');
    expect(md).toContain('| 1 | bottleneck.shapes | Wrong shape: expected [4,6,6,3], found [4,6,6,6]. |');
    expect(md).toMatch(/\| Output shapes <sub>bottleneck\.shapes<\/sub> \| 1 \/ 2 \| 50%/);

    // Unchanged content, grader and settings: nothing is graded again.
    const before = cls.starts().length;
    const again = await gradeBatch(cls.options('out', { timeoutMs: 4_000 }));
    expect(again.skipped).toBe(4);
    expect(cls.starts().length).toBe(before);
    // One edited submission is graded again; so are failures when asked to retry them.
    cls.setMode('bob', 'good');
    cls.setMode('carol', 'good');
    const edited = await gradeBatch(cls.options('out', { retryFailed: true }));
    expect(cls.starts().slice(before).sort()).toEqual(['bob', 'carol', 'dave']);
    expect(edited).toMatchObject({ graded: 2, errors: 1, skipped: 1 });
    // A new grader version regrades everyone.
    await gradeBatch(cls.options('out', { graderVersion: 'test-2' }));
    expect(cls.starts().length).toBe(before + 3 + 4);
  });

  it('merged shards give the same gradebook and summary as one unsharded run', async () => {
    const modes = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`s${i}`, i % 3 === 0 ? 'wrong' : 'good']));
    const cls = makeClass(modes);
    const whole = await gradeBatch(cls.options('whole'));
    const shards = [];
    for (const index of [1, 2, 3])
      shards.push(await gradeBatch(cls.options(`shard${index}`, { shard: { index, count: 3 } })));
    expect(shards.reduce((n, s) => n + s.total, 0)).toBe(8);
    expect(new Set(Object.keys(modes).map((s) => shardOf(s, 3))).size).toBeGreaterThan(1);
    const merged = join(cls.root, 'merged');
    await mergeShards(
      shards.map((s) => s.outDir),
      merged,
    );
    expect(withoutSeconds(readCsv(join(merged, 'gradebook.csv')))).toEqual(withoutSeconds(readCsv(whole.gradebook)));
    // The same summary, apart from each student's grading time.
    const withoutTimes = (path: string) =>
      readFileSync(path, 'utf8').replace(/ \| [\d.]+ \| (\[instructor\])/g, ' | … | $1');
    expect(withoutTimes(join(merged, 'summary.md'))).toBe(withoutTimes(whole.summary.markdown));
    expect(readdirSync(join(merged, 'reports')).sort()).toEqual(Object.keys(modes).sort());
  });

  it('is not held up by a descendant that escapes the process group, nor grades its own --out folder', async () => {
    const cls = makeClass({ eve: 'escape' });
    const summary = await gradeBatch(cls.options('submissions/zz-out'));
    const pid = Number(readFileSync(join(cls.submissions, 'eve', 'escaped.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    expect(summary.results.map((r) => [r.student, r.status])).toEqual([['eve', 'graded']]);
  });

  it('parses --shard and rejects nonsense with a usable message', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'two/4', '1']) expect(() => parseShard(bad)).toThrow(/--shard 1\/4/);
  });

  it('loses nothing and grades nothing twice when the batch is killed with SIGKILL and re-run', async () => {
    const students = Array.from({ length: 8 }, (_, i) => `p${i}`);
    const cls = makeClass(Object.fromEntries(students.map((s) => [s, 'slow:300'])));
    const opts = cls.options('out');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'grader/src/batch/main.ts'),
        '--submissions',
        opts.submissionsDir,
        '--out',
        opts.outDir,
        '--jobs',
        '2',
        '--backend',
        'cpu',
        '--hidden',
        '--grader-version',
        'test-1',
        '--seed',
        String(opts.seed),
        '--grade-command',
        JSON.stringify(opts.gradeCommand),
      ],
      { cwd: REPO_ROOT, env: opts.env, stdio: 'ignore' },
    );
    const resultsDir = join(opts.outDir, 'results');
    const committed = () => (existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith('.json')) : []);
    const deadline = Date.now() + 60_000;
    while (committed().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // Graders the killed batch had just spawned live on as orphans: let them log their start and finish.
    await new Promise((r) => setTimeout(r, 1_000));
    const before = committed().map((f) => f.slice(0, -5));
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(students.length);
    expect(existsSync(join(opts.outDir, 'gradebook.csv'))).toBe(false);

    const startsBefore = cls.starts().length;
    const summary = await gradeBatch(opts);
    const rerun = cls.starts().slice(startsBefore);
    for (const student of before) expect(rerun).not.toContain(student);
    expect(rerun.sort()).toEqual(students.filter((s) => !before.includes(s)).sort());
    expect(summary).toMatchObject({ total: 8, skipped: before.length, graded: 8 - before.length });
    const rows = readCsv(summary.gradebook);
    expect(rows.map((r) => r.student)).toEqual(students);
    expect(rows.every((r) => r.status === 'graded')).toBe(true);
  });
});

describe('around a batch, for the instructor', () => {
  const filesIn = (dir: string) => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));

  it('writes the student reports without hidden checks, in every format, and names the instructor copy', async () => {
    const cls = makeClass({ alice: 'good' });
    const summary = await gradeBatch(cls.options('out'));
    const student = filesIn(join(summary.outDir, 'reports/alice'));
    expect(student.length).toBeGreaterThanOrEqual(6);
    for (const text of student) {
      expect(text).not.toContain('preact.hidden-sizes');
      expect(text).not.toContain('HIDDEN-CHECK-MESSAGE');
    }
    // Gradescope's results.json included: its score is the student's view of it too.
    const gradescope = JSON.parse(readFileSync(join(summary.outDir, 'reports/alice/results.json'), 'utf8'));
    const hiddenPoints = sampleReport().checks.find((c) => c.id === 'preact.hidden-sizes')!.score;
    expect(gradescope.score).toBe(sampleReport().score - hiddenPoints);
    const instructor = JSON.parse(readFileSync(join(summary.outDir, 'instructor/alice/report.json'), 'utf8'));
    expect(instructor.checks.map((c: { id: string }) => c.id)).toContain('preact.hidden-sizes');
  });

  it('regrades one student with --only, keeping the others, and refuses a name it does not know', async () => {
    const cls = makeClass({ alice: 'good', bob: 'wrong', carol: 'good' });
    await gradeBatch(cls.options('out'));
    const before = cls.starts().length;
    const again = await gradeBatch(cls.options('out', { only: ['bob'] }));
    expect(cls.starts().slice(before)).toEqual(['bob']);
    expect(again).toMatchObject({ total: 1, graded: 1 });
    expect(readCsv(again.gradebook).map((r) => r.student)).toEqual(['alice', 'bob', 'carol']);
    await expect(gradeBatch(cls.options('out', { only: ['zoe'] }))).rejects.toThrow(/--only zoe: no such folder/);
  });

  it('drops a student whose folder is gone from the gradebook, keeping the result under gone/', async () => {
    const cls = makeClass({ alice: 'good', bob: 'wrong' });
    await gradeBatch(cls.options('out'));
    rmSync(join(cls.submissions, 'bob'), { recursive: true });
    const again = await gradeBatch(cls.options('out'));
    expect(again.gone).toEqual(['bob']);
    expect(readCsv(again.gradebook).map((r) => r.student)).toEqual(['alice']);
    expect(readFileSync(again.summary.markdown, 'utf8')).not.toContain('| bob |');
    const kept = JSON.parse(readFileSync(join(again.outDir, 'gone/bob/result.json'), 'utf8'));
    expect(kept.student).toBe('bob');
    expect(existsSync(join(again.outDir, 'gone/bob/reports/report.html'))).toBe(true);
    expect(existsSync(join(again.outDir, 'reports/bob'))).toBe(false);
  });

  it('merge says which shards it read and warns when a shard of N is missing', async () => {
    const modes = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`m${i}`, 'good']));
    const cls = makeClass(modes);
    const dirs: string[] = [];
    for (const index of [1, 2, 3])
      dirs.push((await gradeBatch(cls.options(`shard${index}`, { shard: { index, count: 3 } }))).outDir);
    const lines: string[] = [];
    const partial = await mergeShards([dirs[0]!, dirs[2]!], join(cls.root, 'partial'), { log: (l) => lines.push(l) });
    expect(partial.missing).toEqual(['2/3']);
    expect(lines[0]).toMatch(/^read .*shard1: shard 1\/3 \(\d+ results\)$/);
    expect(lines[1]).toMatch(/^read .*shard3: shard 3\/3/);
    expect(lines).toContain(
      'warning: shard 2/3 is missing: its students are not in the gradebook; merge its folder too',
    );
    const whole = await mergeShards(dirs, join(cls.root, 'all'), { log: () => {} });
    expect(whole).toMatchObject({ missing: [], students: 9 });
  });

  it('merge with the class marks the students no shard graded, and studentsToGrade names what is left', async () => {
    const modes = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`u${i}`, i === 0 ? 'wrong' : 'good']));
    const cls = makeClass(modes);
    const shard = (index: number) => cls.options(`shard${index}`, { shard: { index, count: 2 } });
    const inShard2 = Object.keys(modes).filter((s) => shardOf(s, 2) === 2);
    expect(inShard2.length).toBeGreaterThan(0);
    expect(await studentsToGrade(shard(2))).toEqual(inShard2);
    await gradeBatch(shard(1));
    // Shard 2 never ran: its folder does not even exist.
    const lines: string[] = [];
    const out = join(cls.root, 'merged');
    const partial = await mergeShards([shard(1).outDir, shard(2).outDir], out, {
      submissionsDir: cls.submissions,
      ungradedReason: (student, s) => `${student} is in shard ${s?.index}/${s?.count}, which was cancelled`,
      log: (l) => lines.push(l),
    });
    expect(partial.ungraded).toEqual(inShard2);
    expect(lines).toContain(`read ${shard(2).outDir}: no results`);
    for (const student of inShard2)
      expect(lines).toContain(
        `warning: 1 student not graded (${student}): ${student} is in shard 2/2, which was cancelled`,
      );
    const rows = readCsv(join(out, 'gradebook.csv'));
    expect(rows.map((r) => r.student)).toEqual(Object.keys(modes).sort());
    for (const row of rows) {
      expect(row.status).toBe(inShard2.includes(row.student!) ? 'ungraded' : 'graded');
      if (row.status === 'ungraded')
        expect([row.total, row.message]).toEqual(['', `${row.student} is in shard 2/2, which was cancelled`]);
    }
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain(`${inShard2.length} not graded yet`);

    await gradeBatch(shard(2));
    expect(await studentsToGrade(shard(2))).toEqual([]);
    const whole = await mergeShards([shard(1).outDir, shard(2).outDir], out, {
      submissionsDir: cls.submissions,
      log: () => {},
    });
    expect(whole.ungraded).toEqual([]);
    const one = await gradeBatch(cls.options('one'));
    expect(withoutSeconds(readCsv(join(out, 'gradebook.csv')))).toEqual(withoutSeconds(readCsv(one.gradebook)));
  });

  it('lists every student on the summary page, with the mean and median of every task and the most failed checks', async () => {
    const cls = makeClass({ alice: 'good', bob: 'wrong', carol: 'wrong', dave: 'crash' });
    // Carol hands in bob's file: identical submissions (by content hash), named on the summary too.
    cpSync(join(cls.submissions, 'bob', 'bottleneck.ts'), join(cls.submissions, 'carol', 'bottleneck.ts'));
    const summary = await gradeBatch(cls.options('out'));
    const page = readFileSync(summary.summary.html, 'utf8');
    const students = /<table id="students">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
    for (const name of ['alice', 'bob', 'carol', 'dave']) expect(students).toContain(`<td>${name}</td>`);
    expect(students).toContain(
      '<a href="instructor/alice/report.html">instructor</a> · <a href="reports/alice/report.html">student</a>',
    );
    expect(students).toMatch(/<td class="status-error">error/);
    // ex3: alice full marks (5), bob and carol lose the 3 points of the failed check: mean 3, median 2.
    const full = sampleReport().tasks.find((t) => t.id === 'ex3-bottleneck')!.score;
    const tasks = /<table id="tasks">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
    const lost = 3;
    const ex3 = [full, full - lost, full - lost];
    const median = full - lost;
    const mean = Math.round((10 * ex3.reduce((a, b) => a + b, 0)) / 3) / 10;
    expect(tasks).toMatch(
      new RegExp(
        `ex3-bottleneck</span></td><td class="num">\\d+</td><td class="num">${mean}</td><td class="num">${median}</td><td class="num">3</td>`,
      ),
    );
    const failed = /<table id="most-failed">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
    expect(failed).toMatch(/bottleneck\.shapes<\/span><\/td><td class="num">2 \/ 3</);
    expect(page).toContain('<a href="similarity.html">similarity report</a>');
    expect(page).toContain('<strong>Identical submissions:</strong> bob, carol');
    expect(readFileSync(summary.summary.markdown, 'utf8')).toContain('**Identical submissions:** bob, carol');
  });
});

describe('childEnv', () => {
  it('shares the cores out between the jobs for the wasm threads', () => {
    expect(childEnv({ PATH: '/bin' }, 1, 2)).toEqual({ PATH: '/bin', D2L_WASM_THREADS: '2' });
    expect(childEnv({}, 2, 2).D2L_WASM_THREADS).toBe('1');
    expect(childEnv({}, 3, 8).D2L_WASM_THREADS).toBe('2');
    expect(childEnv({}, 4, 2).D2L_WASM_THREADS).toBe('1'); // never zero
  });
  it('keeps a thread count the instructor set', () => {
    expect(childEnv({ D2L_WASM_THREADS: '3' }, 2, 2).D2L_WASM_THREADS).toBe('3');
  });
  it('lets OpenMP threads sleep when idle only when several jobs share the cores', () => {
    expect(childEnv({}, 1, 2).OMP_WAIT_POLICY).toBeUndefined();
    expect(childEnv({}, 2, 2).OMP_WAIT_POLICY).toBe('passive');
    expect(childEnv({}, 2, 8).OMP_WAIT_POLICY).toBe('passive');
    expect(childEnv({ OMP_WAIT_POLICY: 'active' }, 2, 2).OMP_WAIT_POLICY).toBe('active');
    expect(childEnv({ GOMP_SPINCOUNT: '1000' }, 2, 2).OMP_WAIT_POLICY).toBeUndefined();
  });
});
