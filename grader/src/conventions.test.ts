// Fair to every published convention, strict on what the exercise asks: correct networks written the
// way torchvision, Keras (ResNet, ResNetV2), the identity-mappings paper or a line-by-line PyTorch port
// write them, or with layers grouped in nested tf.sequential / tf.model models, score full marks with the
// convention named; a head that pools with a max, flattens, or a
// pre-activation net without its final BN → ReLU loses points on its own task only. Training is left out.

import type { GradeReport } from '@course/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradeSubmission } from './grade.ts';
import { fixtureSubmission } from './test-helpers.ts';

interface Case {
  fixture: string;
  /** Checks that must lose points, with what their message must say; every other check must pass. */
  loses?: Record<string, RegExp>;
  /** The convention each check must name. */
  names?: Record<string, RegExp>;
}

const CASES: Case[] = [
  {
    fixture: 'convention-torchvision',
    names: {
      'bottleneck.params': /^torchvision: stride on the 3×3, conv bias off, BN on the projection$/,
      'bottleneck.structure': /^torchvision: stride on the 3×3, conv bias off, BN on the projection$/,
      'deep.params': /^torchvision: stride on the 3×3, conv bias off, BN on the projection$/,
    },
  },
  {
    fixture: 'convention-keras',
    names: {
      'bottleneck.params':
        /^Keras ResNet \/ the ResNet paper: stride on the first 1×1, conv bias on, BN on the projection, ReLU as activation\('relu'\)$/,
      'deep.structure': /^Keras ResNet \/ the ResNet paper: .*explicit zero-padding on \d+ of \d+ layers/,
    },
  },
  {
    fixture: 'convention-port',
    names: {
      'bottleneck.params':
        /^a port of the chapter's PyTorch\/MXNet code: .*conv bias on, no BN on the projection, explicit zero-padding$/,
      'deep.params': /explicit zero-padding$/,
      'preact.structure': /explicit zero-padding, ReLU as activation\('relu'\)$/,
      'preact-net.params': /explicit zero-padding, ReLU as activation\('relu'\)$/,
    },
  },
  {
    fixture: 'convention-keras-v2',
    names: {
      'preact.params':
        /^the identity-mappings paper \/ Keras ResNetV2: conv bias on \d+ of \d+ convolutions, no BN on the projection, projection reads the pre-activated x, ReLU as activation\('relu'\)$/,
      'preact-net.structure': /^the identity-mappings paper \/ Keras ResNetV2: .*projection reads the pre-activated x/,
    },
  },
  {
    // The residual branch, the projection, the stem and the head each a tf.sequential applied like a layer.
    fixture: 'convention-nested-sequential',
    names: {
      'bottleneck.params': /^stride on the 3×3, conv bias on, no BN on the projection, nested tf\.sequential$/,
      'bottleneck.structure': /nested tf\.sequential$/,
      'deep.structure': /nested tf\.sequential$/,
    },
  },
  {
    // Each pre-activation block its own tf.model, applied to x.
    fixture: 'convention-nested-model',
    names: {
      'preact.params': /^the identity-mappings paper \/ Keras ResNetV2: .*nested tf\.model$/,
      'preact.structure': /nested tf\.model$/,
      'preact-net.structure': /nested tf\.model$/,
    },
  },
  {
    fixture: 'mistaken-max-pool-head',
    loses: {
      'deep.structure':
        /head: GlobalMaxPool instead of GlobalAvgPool; expected GlobalAvgPool → Dense, found GlobalMaxPool → Dense/,
    },
  },
  {
    fixture: 'mistaken-flatten-head',
    loses: {
      'preact-net.structure':
        /head: Flatten instead of GlobalAvgPool; expected BN → ReLU → GlobalAvgPool → Dense, found BN → ReLU → Flatten → Dense/,
      'preact-net.params':
        /first difference at weighted layer #\d+ '.*' \(Dense, 46,090 params\), reference has Dense with 5,130/,
    },
  },
  {
    fixture: 'mistaken-no-final-bn-relu',
    loses: {
      'preact-net.structure':
        /head: missing BN, ReLU; expected BN → ReLU → GlobalAvgPool → Dense, found GlobalAvgPool → Dense/,
      'preact-net.params': /the reference has more layers|first difference/,
    },
  },
];

describe('published conventions and equal-count mistakes', () => {
  const reports = new Map<string, GradeReport>();
  beforeAll(async () => {
    // Two at a time: each grading forks two children, and the machine has two cores.
    const queue = [...CASES];
    await Promise.all(
      [0, 1].map(async () => {
        for (let c = queue.shift(); c; c = queue.shift())
          reports.set(
            c.fixture,
            await gradeSubmission({
              submissionDir: fixtureSubmission(c.fixture),
              hidden: true,
              skipTraining: true,
              limits: { timeoutMs: 120_000 },
            }),
          );
      }),
    );
  }, 600_000);

  it.each(CASES.map((c) => [c.fixture, c] as const))('%s', (_name, c) => {
    const report = reports.get(c.fixture) as GradeReport;
    const ran = report.checks.filter((x) => x.status !== 'skipped');
    const losing = ran.filter((x) => x.score < x.maxScore).map((x) => x.id);
    expect(losing.sort()).toEqual(Object.keys(c.loses ?? {}).sort());
    for (const [id, pattern] of Object.entries(c.loses ?? {})) {
      const got = ran.find((x) => x.id === id);
      expect(got?.status, id).toBe('failed');
      expect(got?.message.split('\n'), id).toHaveLength(1);
      expect(got?.message, id).toMatch(pattern);
      // Partial credit: the stem and the blocks are right, only the head is not.
      if (id.endsWith('.structure')) expect(got?.score, id).toBeGreaterThan(0);
    }
    for (const [id, pattern] of Object.entries(c.names ?? {}))
      expect(ran.find((x) => x.id === id)?.details?.convention, id).toMatch(pattern);
    // A mistake in one file costs nothing in the other file's tasks.
    const own = new Set(Object.keys(c.loses ?? {}).map((id) => ran.find((x) => x.id === id)?.task));
    expect(own.size).toBeLessThanOrEqual(1);
    for (const x of ran.filter((x) => !own.has(x.task))) expect([x.id, x.score]).toEqual([x.id, x.maxScore]);
  });
});
