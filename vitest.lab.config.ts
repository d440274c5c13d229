import { defineConfig } from 'vitest/config'

// The network lab (issue 5): root-only, one world per value set, scenarios in order in one process.
export default defineConfig({
  test: {
    include: ['test/lab/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
})
