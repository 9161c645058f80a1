import { configDefaults, defineConfig } from 'vitest/config'

// Tiers. `npm test` runs the projects `unit` and `integration`: every backend on real engines
// (memory, PGlite, native Postgres, Chroma). `npm run test:all` adds `long` (500 SIGKILLs of a
// writer, server faults, 1,000-op loads) and `containers` (Postgres from Testcontainers).
const LONG = [
  'test/integration/memory-crash.test.ts',
  'test/reliability/postgres-faults.test.ts',
  'test/reliability/chroma-faults.test.ts',
  'test/reliability/load.test.ts',
  'test/reliability/replicas.test.ts',
  'test/reliability/pgbouncer.test.ts',
  'test/reliability/retrieval-load.test.ts',
  'test/integration/pgvector-halfvec-pglite.test.ts',
]

// Files that start servers and engines: one process, one file at a time.
const ENGINES = {
  poolOptions: { forks: { singleFork: true } },
  testTimeout: 120_000,
  hookTimeout: 300_000,
}

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
            'test/types/**/*.test.ts',
          ],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          // One Postgres for the whole run: DATABASE_URL, else one it sets up (see the file).
          globalSetup: ['test/setup/postgres-global.ts'],
          include: [
            'test/integration/**/*.test.ts',
            'test/conformance/!(memory)*.test.ts',
            'test/reliability/**/*.test.ts',
            'test/samples/**/*.test.ts',
            'test/differential/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, ...LONG],
          ...ENGINES,
        },
      },
      {
        test: {
          name: 'long',
          globalSetup: ['test/setup/postgres-global.ts'],
          include: LONG,
          // After the other tiers, so the crash and fault tests do not share the cores with them.
          sequence: { groupOrder: 1 },
          ...ENGINES,
        },
      },
      {
        test: {
          name: 'containers',
          // Postgres from Testcontainers: the pgvector suite and the drizzle-kit app run on it.
          globalSetup: ['test/containers/global-setup.ts'],
          include: [
            'test/containers/**/*.test.ts',
            'test/conformance/pgvector-postgres.test.ts',
            'test/integration/drizzle-app/app.test.ts',
          ],
          sequence: { groupOrder: 2 },
          ...ENGINES,
        },
      },
    ],
  },
})
