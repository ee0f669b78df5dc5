// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Lint: ESLint's and typescript-eslint's recommended rules over every source, test and bench file.
 * A rule is turned off only with the reason beside it.
 */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'sdk/generated/', 'coverage/', 'test-results/', '.warden/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      // Unused names fail the type-check already (noUnusedLocals / noUnusedParameters); `_name` marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A variable a closure reads before its one later assignment cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // prom-client calls a gauge's collect() with the gauge as `this`: the gateway's own needs another name.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['metrics'] }],
    },
  },
);
