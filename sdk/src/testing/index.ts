// Conformance suites for plugin authors (run them in vitest).
export * from './store-conformance.js';
export * from './test-harness.js';
