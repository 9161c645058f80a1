import postgres from 'postgres'
import { inject } from 'vitest'
import { findPostgres, type PostgresForTests } from './postgres-server.js'

export type { PostgresForTests } from './postgres-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/setup/postgres-global.ts when it is wired as a globalSetup. */
    vecstorePostgres?: { url: string; source: string } | { skip: string }
  }
}

/**
 * Finds a real Postgres: `DATABASE_URL` if set (CI builds one with
 * scripts/setup-postgres.sh), else a Testcontainers `pgvector/pgvector:pg17`
 * when a container runtime exists, else none: the suite is skipped with a
 * loud reason, or fails when `REQUIRE_POSTGRES=1`.
 */
export async function postgresForTests(): Promise<PostgresForTests> {
  const provided = safeInject()
  if (provided && 'url' in provided) return { ...provided, stop: async () => {} }
  const found = provided ?? (await findPostgres())
  if ('skip' in found) {
    if (process.env['REQUIRE_POSTGRES'] === '1') {
      throw new Error(`REQUIRE_POSTGRES=1 but no Postgres is available: ${found.skip}`)
    }
    console.warn(
      `\n*** SKIPPING the native Postgres suite: ${found.skip}.\n*** Set DATABASE_URL (e.g. DATABASE_URL=$(bash scripts/setup-postgres.sh)) to run it.\n`,
    )
  }
  return found
}

function safeInject(): { url: string; source: string } | { skip: string } | undefined {
  try {
    return inject('vecstorePostgres')
  } catch {
    return undefined
  }
}

/**
 * A schema of its own for one test file (`<prefix>_<pid>_<random>`), dropped
 * with everything in it by `drop()`: test files never see each other's tables.
 */
export async function isolatedSchema(
  url: string,
  prefix: string,
): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE SCHEMA "${schema}"`)
  return {
    schema,
    drop: async () => {
      await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.end()
    },
  }
}
