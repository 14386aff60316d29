import { defineConfig } from 'vitest/config';

// The control-plane suite (npm run test:cluster): one file, run alone, after the unit tests.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: '.vitest-cluster-results.json' }], './test/cluster/summary-reporter.ts'],
  },
});
