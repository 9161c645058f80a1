import postgres from 'postgres'
import { inject } from 'vitest'
import { findPostgres, noPostgresMessage, type PostgresForTests } from './postgres-server.js'

export type { PostgresForTests } from './postgres-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by the globalSetup of the projects that need Postgres (test/setup/postgres-global.ts, test/containers/global-setup.ts). */
    vecstorePostgres?: { url: string; source: string }
  }
}

/**
 * The real Postgres + pgvector of this run: the one the project's globalSetup
 * provides (`DATABASE_URL`, the local cluster of scripts/setup-postgres.sh,
 * or a Testcontainers container). A file run outside such a project looks
 * for one itself; `skip` then says why there is none.
 */
export async function postgresForTests(): Promise<PostgresForTests> {
  const provided = safeInject()
  if (provided) return { ...provided, stop: async () => {} }
  const found = await findPostgres()
  if ('skip' in found) console.warn(`\n*** No Postgres: ${noPostgresMessage(found.skip)}\n`)
  return found
}

function safeInject(): { url: string; source: string } | undefined {
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
