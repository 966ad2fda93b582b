// Training thresholds: train the reference's blocks under three seeds with each training check's budget
// (on this machine's backend, so the profile that matches it) and set the threshold to the worst run
// minus the margin. Run after changing a training net or budget: `pnpm assign NAME --measure-training`.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Assignment } from '@course/core';
import { ExpectedFile } from '@course/core';
import type { BackendChoice } from '@course/d2l';
import { gradeSubmission } from '@course/grader';
import { serialize } from './expected.ts';

export const MEASURE_SEEDS = [0, 1, 2];

export async function measureTraining(assignment: Assignment, backend: BackendChoice = 'auto'): Promise<void> {
  const file = ExpectedFile.parse(JSON.parse(readFileSync(assignment.expectedFile, 'utf8')));
  for (const check of assignment.manifest.checks.filter((c) => c.kind === 'training')) {
    const accs: number[] = [];
    let profileName: 'cpu-small' | 'gpu-long' = 'cpu-small';
    for (const seed of MEASURE_SEEDS) {
      const report = await gradeSubmission({
        assignment: assignment.name,
        submissionDir: assignment.reference,
        checks: [check.id],
        seed,
        backend,
      });
      profileName = report.trainingProfile as typeof profileName;
      const last = report.checks.find((c) => c.id === check.id)?.details?.curve?.at(-1);
      if (last?.testAcc === undefined) throw new Error(`${check.id}: the reference did not train (seed ${seed})`);
      accs.push(last.testAcc);
    }
    const entry = file.checks[check.id];
    if (entry?.kind !== 'training') throw new Error(`${check.id}: no training entry; run pnpm assign first`);
    const profile = entry.profiles[profileName];
    profile.referenceTestAcc = Math.round(Math.min(...accs) * 1000) / 1000;
    profile.minTestAcc = Math.round((profile.referenceTestAcc - profile.margin) * 100) / 100;
    console.log(
      `${check.id} (${profileName}): reference test acc ${accs.map((a) => a.toFixed(3)).join(', ')} → threshold ${profile.minTestAcc}`,
    );
  }
  writeFileSync(assignment.expectedFile, serialize(file));
}
