import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { CAPABILITIES, describeBackend } from '../../src/testing/index.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'

const server = await postgresForTests()

if ('skip' in server) {
  describe.skip(`PgvectorBackend on native Postgres (skipped: ${server.skip})`, () => {
    it('needs a Postgres server', () => {})
  })
} else {
  // The app's own Drizzle database (postgres-js), shared by every backend; one schema for this file.
  const { schema, drop } = await isolatedSchema(server.url, 'conformance')
  const client = postgres(server.url, { max: 4, onnotice: () => {} })
  // Small tables are planned as sequential scans; this pool makes the planner take the vector
  // index instead, so the whole suite also runs through HNSW scans (iterative, with dead tuples).
  const indexClient = postgres(server.url, {
    max: 2,
    onnotice: () => {},
    connection: { enable_seqscan: 'off', enable_bitmapscan: 'off' },
  })
  afterAll(async () => {
    await client.end()
    await indexClient.end()
    await drop()
    await server.stop()
  })

  let tables = 0
  const indexDb = drizzle({ client: indexClient })
  it('the forced pool really plans searches, filtered or not, on the vector index', async () => {
    const backend = await PgvectorBackend.create({ db: indexDb, schema, table: 'forced', dim: 3 })
    await backend.upsert('a', [1, 0, 0], { x: 1 })
    for (const filters of [{}, { x: 1 }]) {
      expect((await backend.explain([1, 0, 0], 1, filters)).usesVectorIndex).toBe(true)
    }
    await backend.close()
  })
  for (const [label, db] of [
    ['planner defaults', drizzle({ client })],
    ['vector index scans forced', indexDb],
  ] as const) {
    describeBackend(
      `PgvectorBackend on native Postgres, ${label} (${server.source})`,
      async ({ metric, dim }) =>
        PgvectorBackend.create({ db, schema, table: `conformance_${tables++}`, metric, dim }),
      { describe, it },
      { capabilities: CAPABILITIES },
    )
  }
}
