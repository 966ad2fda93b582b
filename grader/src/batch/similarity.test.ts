// The class similarity report on a class made of real code: the reference, a disguised copy of it (names
// changed, reformatted), an independent correct solution, an exact copy, and two untouched stubs.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAssignment, REPO_ROOT } from '@course/core';
import { describe, expect, it } from 'vitest';
import { classSimilarity, similarityHtml } from './similarity.ts';

const resnet = loadAssignment('resnet');
const FILES = ['bottleneck.ts', 'preact.ts'];
const INDEPENDENT = join(REPO_ROOT, 'grader/test-submissions/alt-correct');

function makeClass(): string {
  const root = mkdtempSync(join(tmpdir(), 'similarity-'));
  const put = (student: string, from: string, edit: (text: string) => string = (t) => t) => {
    mkdirSync(join(root, student), { recursive: true });
    for (const file of FILES) writeFileSync(join(root, student, file), edit(readFileSync(join(from, file), 'utf8')));
  };
  put('alice', resnet.reference);
  // The usual disguise: other names, other comments, other line breaks.
  put('bob', resnet.reference, (t) =>
    t
      .replace(/numChannels/g, 'width')
      .replace(/\bshortcut\b/g, 'skipPath')
      .replace(/\/\/.*$/gm, '// mine')
      .replace(/;\n/g, ';\n\n'),
  );
  put('carol', INDEPENDENT);
  put('dave', resnet.reference);
  put('eve', resnet.workspace);
  put('frank', resnet.workspace);
  // Not a student's code: a folder with no code files is simply not compared.
  mkdirSync(join(root, 'gina'));
  cpSync(join(resnet.workspace, 'answers.md'), join(root, 'gina', 'answers.md'));
  return root;
}

describe('classSimilarity', () => {
  it('ranks the copies first, flags identical submissions, and ignores the stubs', { timeout: 120_000 }, async () => {
    const dir = makeClass();
    const report = await classSimilarity(dir, ['alice', 'bob', 'carol', 'dave', 'eve', 'frank', 'gina'], {
      files: FILES,
      stubsDir: resnet.workspace,
    });
    expect(report.detectorRan).toBe(true);
    expect(report.detector).toMatch(/^Dolos \d+\.\d+/);
    expect(report.identical.map((g) => g.students)).toEqual([
      ['alice', 'dave'],
      ['eve', 'frank'],
    ]);
    const pairs = report.pairs.map((p) => [p.left, p.right].sort().join('+'));
    // The three copies of the reference pair with each other above anything else.
    expect(pairs.slice(0, 3).sort()).toEqual(['alice+bob', 'alice+dave', 'bob+dave']);
    const score = (a: string, b: string) =>
      report.pairs.find((p) => [p.left, p.right].sort().join('+') === `${a}+${b}`);
    expect(score('alice', 'bob')!.similarity).toBeGreaterThan(0.8);
    // An independent solution of the same exercise shares some code, far less.
    expect(score('alice', 'carol')!.similarity).toBeLessThan(score('alice', 'bob')!.similarity / 2);
    // Two untouched stubs share only the given code, which is ignored: no pair.
    expect(pairs.filter((p) => p.includes('eve') || p.includes('frank'))).toEqual([]);
    // Fragments point at the student's file and lines, side by side.
    const top = report.pairs.find((p) => [p.left, p.right].sort().join('+') === 'alice+bob')!;
    expect(top.fragments.length).toBeGreaterThan(0);
    for (const { left, right } of top.fragments) {
      for (const side of [left, right]) {
        expect(FILES).toContain(side.file);
        expect(side.startLine).toBeGreaterThanOrEqual(1);
        expect(side.endLine).toBeGreaterThanOrEqual(side.startLine);
      }
    }
    const first = top.fragments[0]!;
    const aliceSide = top.left === 'alice' ? first.left : first.right;
    const aliceFile = readFileSync(join(dir, 'alice', aliceSide.file), 'utf8').split('\n');
    expect(aliceSide.code.split('\n')[0]).toBe(aliceFile[aliceSide.startLine - 1]);
    const page = similarityHtml(report);
    expect(page).toContain('<td>alice, dave</td>');
    expect(page).toMatch(/<a href="#pair-0">(alice · bob|alice · dave|bob · dave)<\/a>/);
  });

  it('says so when fewer than two submissions have code', async () => {
    const dir = makeClass();
    const report = await classSimilarity(dir, ['alice', 'gina'], { files: FILES });
    expect(report).toMatchObject({ detectorRan: false, pairs: [], identical: [] });
    expect(report.detector).toMatch(/fewer than two submissions/);
  });
});
