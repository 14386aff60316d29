// Lint rules for the library, its tests and tools: eslint's and typescript-eslint's recommended
// sets, with formatting left to prettier (eslint-config-prettier turns the overlapping rules off).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['build/**', 'dist/**', 'imports/**', 'docs/**', 'node_modules/**', 'examples/**/node_modules/**', 'examples/**/.synth/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // Tests and tools read synthesized YAML by field name, where `any` is the honest type.
  { files: ['test/**', 'tools/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
