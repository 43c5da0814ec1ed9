import { defineConfig } from 'vitest/config'

// Two cores on CI: keep multi-node suites from fighting over them.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    pool: 'forks'
  }
})
