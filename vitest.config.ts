import { defineConfig } from 'vitest/config'

// Two cores on CI: keep multi-node suites from fighting over them. Tests that start daemons
// through the real CLI spend most of their time starting processes, which a loaded 2-core
// machine slows several times over: the timeouts are generous, every wait inside is bounded.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    pool: 'forks'
  }
})
