import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The control-plane suite runs on its own: npm run test:cluster.
    exclude: ['test/cluster/**', '**/node_modules/**'],
    testTimeout: 60_000,
    globalSetup: ['test/support/schema-setup.ts', 'test/support/packed-tarball.ts'],
    // Test files share one module cache: loading cdk8s, the generated imports and the schemas once
    // instead of per file cuts the suite from about 40 s to 14 s. No test depends on module state.
    pool: 'threads',
    isolate: false,
    // Vitest's default is one worker fewer than the cores: on a 2-core machine, one. Several test
    // files wait on child processes (npm pack, kubectl, node), so two workers keep both cores busy.
    maxWorkers: 2,
    // The JSON report gives .ci/run its "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
