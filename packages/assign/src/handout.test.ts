import { readFileSync } from 'node:fs';
import type { Manifest } from '@course/core';
import { listAssignments, loadAssignment } from '@course/core';
import { describe, expect, it } from 'vitest';
import { expectedHandout, handoutPath, listing, renderHandout } from './handout.ts';

const MANIFEST: Manifest = {
  assignment: 'demo',
  title: 'Demo | exercises',
  workspace: 'src',
  reference: 'instructor/solution',
  functions: { block: { file: 'block.ts', kind: 'block' } },
  tasks: [
    { id: 'ex1', exercise: 1, title: 'Essay', points: 4, kind: 'manual', description: 'Write.' },
    { id: 'ex2', exercise: 2, title: 'Block', points: 6, kind: 'auto', file: 'block.ts', description: 'Build.' },
  ],
  checks: [
    {
      id: 'a.shapes',
      task: 'ex2',
      title: 'f(1|2)',
      points: 6,
      visibility: 'visible',
      kind: 'shapes',
      target: 'block',
      feedback: 'x',
    },
    {
      id: 'a.hidden',
      task: 'ex2',
      title: 'secret',
      points: 9,
      visibility: 'hidden',
      kind: 'params',
      target: 'block',
      feedback: 'x',
    },
  ],
};

describe('handout', () => {
  it('renders tasks, points and public checks, escaping pipes in table cells', () => {
    const out = renderHandout(
      MANIFEST,
      '{{title}} {{totalPoints}}/{{autoPoints}}/{{manualPoints}} [{{manualExercises}}]\n{{#each tasks}}{{#each checks}}{{id}}={{cell title}};{{/each}}{{/each}}',
    );
    expect(out).toBe('Demo | exercises 10/6/4 [1]\na.shapes=f(1\\|2);');
  });

  it('fails on a field the view does not have', () => {
    expect(() => renderHandout(MANIFEST, '{{titel}}')).toThrow(/titel/);
  });

  it('joins exercise numbers as prose', () => {
    expect([listing([]), listing(['1']), listing(['1', '5']), listing(['1', '4', '5'])]).toEqual([
      '',
      '1',
      '1 and 5',
      '1, 4 and 5',
    ]);
  });

  it.each(listAssignments())(
    '%s: the committed README is rendered from the current manifest (run `npx pnpm@10 assign` if not)',
    (name) => {
      const assignment = loadAssignment(name);
      expect(readFileSync(handoutPath(assignment), 'utf8')).toBe(expectedHandout(assignment));
    },
  );
});
