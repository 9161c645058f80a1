import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    allowOnly: !process.env['CI'],
    globalSetup: ['test/setup/build.ts'],
    reporters: process.env['VITEST_JSON']
      ? ['default', ['json', { outputFile: process.env['VITEST_JSON'] }]]
      : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/unit/**/*.test.ts',
            'test/conformance/memory*.test.ts',
            'test/package/**/*.test.ts',
          ],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          // One Postgres for the whole run (matters when it comes from Testcontainers).
          globalSetup: ['test/setup/postgres-global.ts'],
          include: [
            'test/integration/**/*.test.ts',
            'test/conformance/!(memory)*.test.ts',
            'test/reliability/**/*.test.ts',
            'test/differential/**/*.test.ts',
          ],
          // One process, one file at a time: these files start servers and engines.
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
