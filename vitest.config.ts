import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests run on the TypeScript sources: every workspace package resolves to its src/.
const alias = [
  { find: /^@neural-condense\/sdk\/(llm|testing)$/, replacement: `${root}sdk/src/$1/index.ts` },
  { find: /^@neural-condense\/sdk$/, replacement: `${root}sdk/src/index.ts` },
  { find: /^@neural-condense\/core$/, replacement: `${root}core/src/index.ts` },
  { find: /^@neural-condense\/((?:kvpress|storage-[a-z]+|soft-token|activation-beacon))$/, replacement: `${root}plugins/$1/src/index.ts` },
];

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', './vitest.summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['sdk/src/**/*.test.ts', 'core/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['sdk/test/**/*.test.ts', 'core/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts'] },
      },
    ],
  },
});
