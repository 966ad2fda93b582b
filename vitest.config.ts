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
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
