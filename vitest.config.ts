import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests in tests/, and a pure module's tests beside it in src/.
    include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    // Generous per test: CI may share the machine with other work (issue 19); nothing here asserts a time.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two files at once: most are bound by imports and small kernels, so two cores halve the wall time.
    maxWorkers: 2,
  },
});
