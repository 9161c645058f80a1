import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { CAPABILITIES, describeBackend } from '../../src/testing/index.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'
import { DIM, runLoad } from './helpers/mixed-load.js'
import { pgbouncerUnavailable, startPgbouncer } from './helpers/own-pgbouncer.js'

// PgBouncer (Debian's 1.18) in transaction pooling mode in front of the run's Postgres: clients
// share 3 server connections transaction by transaction, so nothing may rely on session state
// or on named prepared statements.
const server = await postgresForTests()
const unavailable = 'skip' in server ? server.skip : await pgbouncerUnavailable()
const SERVER_CONNECTIONS = 3

if (unavailable !== undefined && process.env['REQUIRE_POSTGRES'] !== '1') {
  describe.skip(`PgvectorBackend through PgBouncer (skipped: ${unavailable})`, () => {
    it('needs Postgres and PgBouncer (root installs it with apt)', () => {})
  })
} else if ('skip' in server) {
  throw new Error(`the PgBouncer tests need Postgres: ${server.skip}`)
} else {
  const { schema, drop } = await isolatedSchema(server.url, 'pgbouncer')
  const bouncer = await startPgbouncer(server.url, {
    name: 'pgbouncer',
    preferredPort: 56432,
    poolSize: SERVER_CONNECTIONS,
  })
  // The app's own client, made for a transaction pooler.
  const client = postgres(bouncer.url, { max: 6, prepare: false, onnotice: () => {} })
  afterAll(async () => {
    await client.end()
    await bouncer.stop()
    await drop()
    await server.stop()
  })

  let tables = 0
  describeBackend(
    'PgvectorBackend through PgBouncer in transaction mode, dsn with prepare: false',
    async ({ metric, dim }) =>
      PgvectorBackend.create({
        dsn: bouncer.url,
        prepare: false,
        maxConnections: 4,
        schema,
        table: `bouncer_dsn_${tables++}`,
        metric,
        dim,
      }),
    { describe, it },
    { capabilities: CAPABILITIES },
  )
  const db = drizzle({ client })
  describeBackend(
    'PgvectorBackend through PgBouncer in transaction mode, a postgres.js client with prepare: false',
    async ({ metric, dim }) =>
      PgvectorBackend.create({ db, schema, table: `bouncer_db_${tables++}`, metric, dim }),
    { describe, it },
    { capabilities: CAPABILITIES },
  )

  describe('PgvectorBackend through PgBouncer in transaction mode', () => {
    it('1,000 concurrent mixed operations from 10 client connections on 3 server connections end in the state of the model', async () => {
      const backend = await PgvectorBackend.create({
        dsn: bouncer.url,
        prepare: false,
        maxConnections: 10,
        schema,
        table: 'bouncer_load',
        dim: DIM,
      })
      try {
        const figures = await runLoad(backend)
        const [pool] = (await bouncer.admin('SHOW POOLS')).filter(
          (row) => row['database'] === new URL(server.url).pathname.slice(1),
        )
        console.info('load through PgBouncer:', figures, {
          mode: pool?.['pool_mode'],
          clientConnections: pool?.['cl_active'],
          serverConnections: Number(pool?.['sv_active']) + Number(pool?.['sv_idle']),
        })
        // Every client connection of the backend was open, sharing the few server connections.
        expect(pool?.['pool_mode']).toBe('transaction')
        expect(Number(pool?.['cl_active'])).toBeGreaterThanOrEqual(10)
        expect(Number(pool?.['sv_active']) + Number(pool?.['sv_idle'])).toBeLessThanOrEqual(
          SERVER_CONNECTIONS,
        )
      } finally {
        await backend.close()
      }
    })

    it('filtered searches keep their SET LOCAL settings inside their own transaction: none reaches another client', async () => {
      const backend = await PgvectorBackend.create({
        dsn: bouncer.url,
        prepare: false,
        schema,
        table: 'bouncer_settings',
        dim: 3,
        efSearch: 123,
        // Always the vector index path, whose settings are SET LOCAL.
        exactFilterRows: 0,
      })
      try {
        await backend.upsertMany(
          Array.from({ length: 50 }, (_, i) => ({
            id: `e${i}`,
            vector: [1, i, 2],
            payload: { i },
          })),
        )
        const searches = Array.from({ length: 50 }, (_, i) =>
          backend.search([1, i, 2], 3, { i: { $gte: 0 } }),
        )
        // Meanwhile, other clients read the settings on whatever server connection they get.
        const seen = await Promise.all(
          Array.from({ length: 50 }, async () => {
            const [row] = await client.unsafe(
              `SELECT current_setting('hnsw.ef_search', true) AS ef, current_setting('hnsw.iterative_scan', true) AS scan`,
            )
            return `${row?.['ef']}/${row?.['scan']}`
          }),
        )
        expect((await Promise.all(searches)).every((hits) => hits.length === 3)).toBe(true)
        expect(
          seen.filter((value) => value.startsWith('123/') || value.endsWith('strict_order')),
        ).toEqual([])
      } finally {
        await backend.close()
      }
    })
  })
}
