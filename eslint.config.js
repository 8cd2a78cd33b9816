// Lint rules in the spirit of eslint-config-oclif: the recommended JavaScript and typescript-eslint
// sets, plus the rules that catch what a review here found by hand. Formatting is Prettier's job
// (eslint-config-prettier turns the stylistic rules off so the two never disagree).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/*.d.ts',
      '**/oclif.manifest.json',
      'docs/**',
      'examples/agent/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
      'object-shorthand': 'error',
      'prefer-template': 'error',
      'max-params': ['error', 5],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/test/**', 'test/**', 'bench/**', 'scripts/**'],
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    // Tests read --json output whose shape test/json-shapes pins; chai's `expect(x).to.be.true` is an expression.
    rules: { '@typescript-eslint/no-unused-expressions': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
  {
    rules: {
      // Prettier keeps code within 120 columns but never rewraps comments or splits a string: comments are held to
      // the same width here (after eslint-config-prettier, which turns max-len off); a long message stays one
      // string, so it can be found with grep.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
);
