import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { readHandGrades } from '../records/hand-grades.ts';
import { readAnswer, renderMarkdown } from './answers.ts';
import { makeGradedClass } from './class-fixture.ts';
import { type ReviewServer, startReview } from './server.ts';

const ANSWERS = `# Written exercises

## Exercise 1: Inception block vs residual block

Inception **concatenates** branches; a residual block *adds* one.

<script>document.title = 'pwned'</script>
<img src=x onerror="document.title = 'pwned'">
[click](javascript:alert(1)) and [the paper](https://arxiv.org/abs/1512.03385)

## Exercise 5: Why not increase complexity without bound?

_Your answer._
`;

const STUB = `# Written exercises

## Exercise 5: Why not increase complexity without bound?

_Your answer._
`;

describe('readAnswer', () => {
  it('shows the section of the exercise, with the student HTML inert', async () => {
    const cls = await makeGradedClass({ alice: { auto: {}, answers: ANSWERS } });
    const answer = readAnswer(join(cls.submissions, 'alice'), 'answers.md', 1, STUB);
    expect(answer.notes).toEqual([]);
    expect(answer.html).toContain('<strong>concatenates</strong>');
    expect(answer.html).not.toContain('Exercise 5');
    expect(answer.html).not.toMatch(/<script|<img|<[^>]*\sonerror=|href="javascript/i);
    expect(answer.html).toContain('&lt;script&gt;'); // shown as text, so the grader sees what was handed in
    expect(answer.html).toContain('href="https://arxiv.org/abs/1512.03385" rel="noopener noreferrer nofollow"');
    expect(readAnswer(join(cls.submissions, 'alice'), 'answers.md', 5, STUB).notes).toEqual([
      'unchanged from the handed-out file',
    ]);
    expect(readAnswer(join(cls.submissions, 'alice'), 'answers.md', 3).notes[0]).toMatch(/no "Exercise 3" heading/);
  });

  it('says when there is no answers file, and does not follow a link out of the submission', async () => {
    const cls = await makeGradedClass({ bob: { auto: {} } });
    expect(readAnswer(join(cls.submissions, 'bob'), 'answers.md', 1).notes).toEqual([
      'no answers.md in the submission',
    ]);
    writeFileSync(join(cls.root, 'secret.md'), '## Exercise 1\nthe solution');
    symlinkSync(join(cls.root, 'secret.md'), join(cls.submissions, 'bob', 'answers.md'));
    expect(readAnswer(join(cls.submissions, 'bob'), 'answers.md', 1).html).toBe('');
  });

  it('keeps tables and code, drops raw HTML attributes', () => {
    const html = renderMarkdown('| a | b |\n|:-|-:|\n| 1 | 2 |\n\n`x<y`\n\n<div style="position:fixed">x</div>');
    expect(html).toContain('<table>');
    expect(html).toContain('<code>x&lt;y</code>');
    expect(html).not.toContain('<div');
  });

  it('shows an answer’s control and bidirectional characters escaped, keeping its lines', () => {
    const html = renderMarkdown('full marks \u202eplease\u202c\n\nred \x1b[31mtext\r\n\nbell\x07');
    expect(html).toBe('<p>full marks \\u202eplease\\u202c</p>\n<p>red \\u001b[31mtext</p>\n<p>bell\\u0007</p>\n');
  });
});

/** fetch may not set Host; node:http may. */
const statusWithHost = (url: string, host: string) =>
  new Promise<number | undefined>((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });

describe('review server', () => {
  let server: ReviewServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('refuses other hosts and cross-origin changes, and sends a CSP without inline script', async () => {
    const cls = await makeGradedClass({ alice: { auto: {}, answers: ANSWERS } });
    server = await startReview({ outDir: cls.out, port: 0 });
    const page = await fetch(`${server.url}/task/ex1-inception/alice`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).not.toMatch(/<script>|<img|<[^>]*\sonerror=/);
    const api = `${server.url}/api/task/ex1-inception/alice`;
    const change = JSON.stringify({ op: 'item', item: 'branches', on: true });
    const json = { 'content-type': 'application/json' };
    // A page on another site that resolves its name to 127.0.0.1 (DNS rebinding) sends its own Host.
    expect(await statusWithHost(server.url, 'evil.example')).toBe(421);
    expect(
      (await fetch(api, { method: 'POST', body: change, headers: { ...json, origin: 'http://evil.example' } })).status,
    ).toBe(403);
    expect((await fetch(api, { method: 'POST', body: change, headers: { 'content-type': 'text/plain' } })).status).toBe(
      415,
    );
    expect(readHandGrades(cls.out).grades).toEqual({});
    const bad = await fetch(api, {
      method: 'POST',
      body: JSON.stringify({ op: 'item', item: 'x', on: true }),
      headers: json,
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url}/task/ex2-deep-variants/alice`)).status).toBe(404);
    expect((await fetch(`${server.url}/task/ex1-inception/mallory`)).status).toBe(404);
  });

  it('saves every change at once; a new server shows it and the gradebook has it', async () => {
    const cls = await makeGradedClass({
      alice: { auto: { 'ex3-bottleneck': 30 }, answers: ANSWERS },
      bob: { auto: {}, answers: ANSWERS },
    });
    server = await startReview({ outDir: cls.out, port: 0 });
    const api = `${server.url}/api/task/ex1-inception/alice`;
    const post = (body: unknown) =>
      fetch(api, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    await post({ op: 'item', item: 'branches', on: true });
    const last = await post({ op: 'comment', text: 'Ünïcode, "quotes", <b>tags</b>' });
    expect(((await last.json()) as { grade: unknown }).grade).toMatchObject({ score: 3, graded: true });
    // On disk before the next request: nothing waits for a shutdown.
    expect(readHandGrades(cls.out).grades.alice?.['ex1-inception']).toMatchObject({ items: ['branches'], score: 3 });
    await server.close();

    server = await startReview({ outDir: cls.out, port: 0 });
    const html = await (await fetch(`${server.url}/task/ex1-inception/alice`)).text();
    expect(html).toMatch(/data-item="branches" data-key="1" checked/);
    expect(html).toContain('Ünïcode, &quot;quotes&quot;, &lt;b&gt;tags&lt;/b&gt;');
    const download = Buffer.from(await (await fetch(`${server.url}/gradebook.csv`)).arrayBuffer());
    const csv = download.toString('utf8');
    const rows = parse(csv, { columns: true, bom: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.student, r['ex1-inception'], r.total, r.pending])).toEqual([
      ['alice', '3', '33', 'ex5-nested-classes'],
      ['bob', 'pending', '0', 'ex1-inception ex5-nested-classes'],
    ]);
    // The download is the file on disk, byte-order mark included.
    expect(readFileSync(join(cls.out, 'gradebook.csv')).equals(download)).toBe(true);
  });
});
