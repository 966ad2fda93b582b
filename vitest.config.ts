import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'assignments/*/src/**/*.test.ts',
      'assignments/*/checks/**/*.test.ts',
      'assignments/*/instructor/**/*.test.ts',
      'grader/src/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    testTimeout: 120_000,
    // Set-up hooks grade whole submissions; on a loaded 2-core machine that has taken over two minutes.
    hookTimeout: 600_000,
    pool: 'forks',
    // Test files run side by side in worker processes on few cores: OpenMP threads spinning at every
    // barrier (libgomp's default, which training alone wants) would take each other's cores, so the
    // tests' onednn pools sleep when idle, as the batch grader's jobs do.
    env: { OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive' },
  },
});
