import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites spawn the built CLI and real servers; two cores cannot run many at once usefully.
    maxWorkers: 2,
  },
});
