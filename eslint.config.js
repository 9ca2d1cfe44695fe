import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['test/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  // The simulator checks what the product sends with its own code (its own signer), not the
  // product's. (The other way round, tsconfig.build.json's rootDir makes src/ importing sim/ a
  // build error.)
  {
    files: ['sim/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/src', '**/src/**', '**/dist/**'], message: 'sim/ stands apart from the product: the demo runs dist/cli.js as a child process.' }] }] },
  },
);
