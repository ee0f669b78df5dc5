import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CommonJS (index.js) and ESM (index.mjs). Node loads the CommonJS one for every
    // package in node_modules; Vite would give our own files the ESM one, and graphql refuses to mix
    // types from two copies of itself. One copy for everyone: the one Node picks.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    pool: 'forks',
    // Test files share each fork's loaded modules (the app's import graph is about 2 s to load, once per
    // fork rather than once per file). Files keep their own state: each starts its own servers and
    // stores, and none changes process-wide settings without restoring them.
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['./test/helpers/summary-reporter.ts', 'default'],
  },
});
