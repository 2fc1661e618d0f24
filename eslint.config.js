import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [] }],
    },
  },
  {
    files: ['plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@neural-condense/core', '@neural-condense/core/*'], message: 'Plugins depend on the SDK only.' }] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'bench/**/*.js', 'scripts/**/*.js', '*/bin/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'performance', 'global', 'globalThis', 'fetch', 'AbortController', 'TextDecoder', 'TextEncoder', 'module', 'require', '__dirname'].map((g) => [g, 'readonly']),
      ),
    },
  },
);
