// Lint rules for the whole repository. Type-aware rules are kept to those that catch real
// bugs (floating promises, misused promises) so that `npm run lint` stays fast on 2 cores.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** No clock, timers, environment or randomness: time and randomness come in as inputs. */
const pureRestrictions = (what) => ({
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: `${what} is pure: time comes in as an input.` },
    { name: 'setInterval', message: `${what} is pure: time comes in as an input.` },
    { name: 'setImmediate', message: `${what} is pure.` },
    { name: 'performance', message: `${what} is pure: no clock.` },
    { name: 'process', message: `${what} is pure: no environment.` },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: `${what} takes randomness as an input.` },
    { object: 'Date', property: 'now', message: `${what} is pure: no clock.` },
  ],
  'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date']", message: `${what} is pure: no clock.` }],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/.harness-dist/**', '.artifacts/**', '**/node_modules/**', '**/.tap/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json', './data-plane/*/tsconfig.json', './control-plane/tsconfig.json', './operator/tsconfig.json', './test/tsconfig.json', './web-portal/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['data-plane/raft/src/**/*.ts', 'data-plane/sim/src/**/*.ts'], rules: pureRestrictions('consensus code') },
  // Execution must be deterministic: contracts and the executor take time from the block only.
  { files: ['data-plane/contracts/src/**/*.ts', 'data-plane/ledger/src/**/*.ts'], rules: pureRestrictions('execution (ledger and contracts)') },
  {
    // tap's t.test() returns a promise that tap itself tracks.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-floating-promises': 'off' },
  },
  { files: ['*.js', '*.cjs', 'scripts/**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly', module: 'writable' } } },
);
