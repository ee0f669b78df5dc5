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
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['./test/helpers/summary-reporter.ts', 'default'],
  },
});
