// `pnpm grade review --out DIR`: a local web server for hand-grading the written tasks of a graded class.
// One page per written task and student; each change is applied to OUT/hand-grades.json (atomically, at
// once) and gradebook.csv is rebuilt, so a reload or a killed server loses nothing and the gradebook is
// always current. It listens on 127.0.0.1 only, answers only to its own Host (no DNS rebinding), takes
// changes only as same-origin JSON, and sends a CSP that allows no inline script.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Manifest, ManifestTask } from '@course/core';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  assignmentOf,
  type FinalGrade,
  finalGrades,
  type GradebookContext,
  gradebookCsv,
  loadGradebookContext,
  submissionFolders,
  writeGradebook,
} from '../records/gradebook.ts';
import { applyChange, HandGradeChange, readHandGrades, rescore, writeHandGrades } from '../records/hand-grades.ts';
import { type BatchResult, readAllResults } from '../records/result-file.ts';
import { renderTemplate } from '../reporters/templates.ts';
import { readAnswer } from './answers.ts';

export interface ReviewOptions {
  outDir: string;
  /** Where the student folders are; default: where the reports say they were graded. */
  submissionsDir?: string;
  /** Default: the manifest of the assignment the reports name. */
  manifest?: Manifest;
  /** 0 picks a free port. */
  port?: number;
}

export interface ReviewServer {
  url: string;
  close(): Promise<void>;
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS: Record<string, { file: string; type: string }> = {
  'review.js': { file: 'review.js', type: 'text/javascript; charset=utf-8' },
  'review.css': { file: 'review.css', type: 'text/css; charset=utf-8' },
};

const pts = (n: number | undefined) => (n === undefined ? '' : String(Math.round(n * 100) / 100));

function lateText(g: FinalGrade): string {
  if (!g.submittedAt) return '';
  if (g.late.daysLate === 0) return '';
  if (g.late.pastCutoff) return `${g.late.daysLate} day(s) late, past the cutoff`;
  return `${g.late.daysLate} day(s) late (−${g.late.penaltyPercent}%)`;
}

/** The app (without a listening socket), for the server below and for tests. */
export async function reviewApp(opts: ReviewOptions & { allowedHosts: () => string[] }) {
  const results: BatchResult[] = await readAllResults(opts.outDir);
  if (results.length === 0) throw new Error(`no results in '${opts.outDir}/results': grade the class first`);
  const assignment = assignmentOf(results);
  const manifest = opts.manifest ?? assignment?.manifest;
  if (!manifest) throw new Error(`cannot find the manifest of assignment '${results[0]?.report?.assignment}'`);
  const written = manifest.tasks.filter((t) => t.kind === 'manual');
  if (written.length === 0) throw new Error(`assignment '${manifest.assignment}' has no task graded by hand`);
  const students = results.map((r) => r.student);
  const folders = submissionFolders(results, opts.submissionsDir);
  if (!manifest.answers)
    throw new Error(`assignment '${manifest.assignment}' names no answers file ('answers' in its manifest)`);
  const answersFile = manifest.answers;
  // The handed-out answers file, to point out answers left as they were.
  const stub = (() => {
    try {
      return assignment ? readFileSync(join(assignment.workspace, answersFile), 'utf8') : undefined;
    } catch {
      return undefined;
    }
  })();

  // The rubric may have changed since the last session: scores follow the manifest as it is now.
  const stored = readHandGrades(opts.outDir);
  if (rescore(stored, manifest.tasks)) writeHandGrades(opts.outDir, stored);
  // Times come from git or a file: read once, not on every keystroke.
  const base = loadGradebookContext(opts.outDir, results, { submissionsDir: opts.submissionsDir, manifest });
  const context = (): GradebookContext => ({ ...base, hand: readHandGrades(opts.outDir) });
  writeGradebook(opts.outDir, results, context());

  const taskHref = (task: ManifestTask, student: string) =>
    `/task/${encodeURIComponent(task.id)}/${encodeURIComponent(student)}`;

  const app = new Hono();
  app.use(async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (!opts.allowedHosts().includes(host)) return c.text('unknown host', 421);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      if (origin !== undefined && origin !== `http://${host}`) return c.text('cross-origin request refused', 403);
      if (!(c.req.header('content-type') ?? '').startsWith('application/json')) return c.text('changes are JSON', 415);
    }
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
  });

  app.get('/assets/:name', (c) => {
    const asset = ASSETS[c.req.param('name')];
    if (!asset) return c.notFound();
    c.header('Content-Type', asset.type);
    return c.body(readFileSync(new URL(`./assets/${asset.file}`, import.meta.url), 'utf8'));
  });

  app.get('/', (c) => {
    const ctx = context();
    const grades = finalGrades(results, ctx);
    return c.html(
      renderTemplate('review-index.html.hbs', {
        title: manifest.title,
        tasks: written.map((t) => ({
          ...t,
          href: taskHref(t, students[0] ?? ''),
          count: students.length,
          graded: students.filter((s) => ctx.hand.grades[s]?.[t.id]?.graded).length,
        })),
        students: grades.map((g) => ({
          student: g.student,
          auto: pts(g.auto),
          hand: pts(g.hand),
          pending: g.pending.join(', '),
          late: lateText(g),
          total: g.total === undefined ? '' : `${pts(g.total)} / ${pts(g.max)}`,
          status: g.status,
        })),
        dueNote: manifest.due
          ? `Due ${manifest.due}; hand-in times from ${base.times.size} of ${students.length} submissions.`
          : '',
      }),
    );
  });

  app.get('/gradebook.csv', (c) => {
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="gradebook.csv"');
    return c.body(gradebookCsv(results, context()));
  });

  const find = (taskId: string, student: string) => {
    const task = written.find((t) => t.id === taskId);
    return task && students.includes(student) ? task : undefined;
  };

  app.get('/task/:task', (c) => {
    const task = written.find((t) => t.id === c.req.param('task'));
    return task && students[0] ? c.redirect(taskHref(task, students[0])) : c.notFound();
  });

  app.get('/task/:task/:student', (c) => {
    const student = c.req.param('student');
    const task = find(c.req.param('task'), student);
    if (!task) return c.notFound();
    const ctx = context();
    const grade = ctx.hand.grades[student]?.[task.id];
    const final = finalGrades(
      results.filter((r) => r.student === student),
      ctx,
    )[0];
    const i = students.indexOf(student);
    const prev = students[i - 1];
    const next = students[i + 1];
    const answer = readAnswer(folders.get(student), answersFile, task.exercise, stub);
    const report = final?.result.report;
    return c.html(
      renderTemplate('review-task.html.hbs', {
        assignment: manifest.title,
        task,
        student,
        position: i + 1,
        count: students.length,
        prevHref: prev === undefined ? '' : taskHref(task, prev),
        prevStudent: prev,
        nextHref: next === undefined ? '' : taskHref(task, next),
        nextStudent: next,
        api: `/api${taskHref(task, student)}`,
        answerHtml: answer.html,
        notes: answer.notes,
        auto: report ? `automatic checks: ${pts(final?.auto)} points` : `automatic grading: ${final?.status}`,
        late: final ? lateText(final) : '',
        rubric: (task.rubric ?? []).map((item, n) => ({ ...item, n: n + 1, checked: grade?.items.includes(item.id) })),
        adjustment: grade?.adjustment ?? 0,
        comment: grade?.comment ?? '',
        score: grade?.score ?? 0,
        graded: grade?.graded ?? false,
        students: students.map((s) => {
          const g = ctx.hand.grades[s]?.[task.id];
          return {
            name: s,
            href: taskHref(task, s),
            current: s === student,
            state: g?.graded ? 'graded' : 'pending',
            label: g?.graded ? `${pts(g.score)}` : '·',
          };
        }),
      }),
    );
  });

  app.post('/api/task/:task/:student', async (c) => {
    const student = c.req.param('student');
    const task = find(c.req.param('task'), student);
    if (!task) return c.notFound();
    const change = HandGradeChange.safeParse(await c.req.json().catch(() => undefined));
    if (!change.success) return c.text(`bad change: ${change.error.issues[0]?.message}`, 400);
    // Read, change, write: a second server or an edit by hand in between is not overwritten.
    const grades = readHandGrades(opts.outDir);
    let grade: ReturnType<typeof applyChange>;
    try {
      grade = applyChange(task, grades.grades[student]?.[task.id], change.data);
    } catch (err) {
      return c.text((err as Error).message, 400);
    }
    grades.grades[student] = { ...grades.grades[student], [task.id]: grade };
    writeHandGrades(opts.outDir, grades);
    writeGradebook(opts.outDir, results, { ...base, hand: grades });
    return c.json({ grade });
  });

  return app;
}

/** Starts the server on 127.0.0.1; resolves once it listens. */
export async function startReview(opts: ReviewOptions): Promise<ReviewServer> {
  let port = opts.port ?? 0;
  const hosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const app = await reviewApp({ ...opts, allowedHosts: hosts });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      port = info.port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // A browser keeps its connections open; close would wait for them.
            (server as import('node:http').Server).closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
