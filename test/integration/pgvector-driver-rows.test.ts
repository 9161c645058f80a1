import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'

// postgres.js 3.4.9 keeps its row counter where a query that failed while streaming rows stopped:
// the next query pipelined on that connection resolves with leading holes (porsager/postgres#1119).
// The backend's reads must still see exactly their own rows.
const server = await postgresForTests()
const cleanup: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
})

if ('skip' in server) {
  describe.skip(`native Postgres (skipped: ${server.skip})`, () => it('needs Postgres', () => {}))
} else {
  describe('a read pipelined behind a query that failed mid-stream (postgres.js)', () => {
    it('lists and reads by id exactly the stored entries', async () => {
      const { schema, drop } = await isolatedSchema(server.url, 'pgv_driver_rows')
      cleanup.push(drop, server.stop)
      // One connection, so both queries share it.
      const client = postgres(server.url, { max: 1, onnotice: () => {} })
      cleanup.push(() => client.end())
      const backend = await PgvectorBackend.create({
        db: drizzle({ client }),
        schema,
        table: 'items',
        dim: 2,
      })
      cleanup.push(() => backend.close())
      const records = Array.from({ length: 5 }, (_, i) => ({
        id: `e${i}`,
        vector: [1, i + 1],
        payload: { i },
      }))
      await backend.upsertMany(records)
      for (let round = 0; round < 3; round++) {
        // Three rows arrive, then division by zero ends the statement.
        const failing = client`SELECT i, 1 / (4 - i) AS boom FROM generate_series(1, 10) AS i`
        const listed = backend.listWhere({}, 10)
        await expect(failing).rejects.toThrow(/division by zero/)
        expect(await listed).toEqual(records.map(({ id, payload }) => ({ id, payload })))
        const read = backend.getByIds(['e1', 'e3'])
        await client`SELECT 1 / (2 - i) FROM generate_series(1, 5) AS i`.catch(() => {})
        expect((await read).map((record) => record.id)).toEqual(['e1', 'e3'])
      }
    })
  })
}
