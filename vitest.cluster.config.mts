import { defineConfig } from 'vitest/config';

// The control-plane suite (npm run test:cluster): one file, run alone, after the unit tests.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    // The JSON report (for .ci/run's counts) and then the summary line, from one reporter.
    reporters: ['default', ['./test/cluster/summary-reporter.ts', { outputFile: '.vitest-cluster-results.json' }]],
  },
});
