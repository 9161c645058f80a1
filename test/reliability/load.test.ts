import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import { InMemoryVectorBackend } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { expectNoLocalServers } from '../setup/chroma.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'
import { DIM, runLoad } from './helpers/mixed-load.js'

describe('1,000 concurrent mixed operations per backend', () => {
  it('InMemoryVectorBackend', async () => {
    const backend = new InMemoryVectorBackend({ dim: DIM })
    console.info('memory load:', await runLoad(backend))
    await backend.close()
  })

  it('PgvectorBackend on PGlite', async () => {
    const backend = await PgvectorBackend.create({ pglite: true, table: 'load', dim: DIM })
    try {
      console.info('PGlite load:', await runLoad(backend))
    } finally {
      await backend.close()
    }
  })

  it('ChromaBackend (ephemeral local server): no child process left', async () => {
    const backend = await ChromaBackend.create('load', { dim: DIM })
    const pid = backend.localServer?.pid
    try {
      console.info('Chroma load:', await runLoad(backend))
    } finally {
      await backend.close()
    }
    await expectNoLocalServers(pid === undefined ? [] : [pid])
  })

  describe('PgvectorBackend on native Postgres', async () => {
    const server = await postgresForTests()
    if ('skip' in server) {
      it.skip(`needs a Postgres server (${server.skip})`, () => {})
      return
    }
    const { schema, drop } = await isolatedSchema(server.url, 'load')
    const admin = postgres(server.url, { max: 1, onnotice: () => {} })
    afterAll(async () => {
      await admin.end()
      await drop()
      await server.stop()
    })
    it('a pool of 5 serves 1,000 concurrent calls and closes every connection', async () => {
      const app = `vecstore_load_${process.pid}`
      const url = new URL(server.url)
      url.searchParams.set('application_name', app)
      const backend = await PgvectorBackend.create({
        dsn: url.toString(),
        schema,
        table: 'load',
        dim: DIM,
        maxConnections: 5,
      })
      try {
        console.info('native Postgres load:', await runLoad(backend))
        const [open] =
          await admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${app}`
        expect(open?.['n']).toBeLessThanOrEqual(5)
        expect(open?.['n']).toBeGreaterThan(0)
      } finally {
        await backend.close()
      }
      const [left] =
        await admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${app}`
      expect(left?.['n']).toBe(0)
    })
  })
})
