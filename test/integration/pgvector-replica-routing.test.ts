import { createServer } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { PgvectorBackend, type PgvectorStats } from '../../src/pgvector/index.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'

// Routing without a real replica (the replica tests with one run in the long tier): servers
// that cannot serve as replicas are skipped and the primary answers every read.
const server = await postgresForTests()

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

if ('skip' in server) {
  describe.skip(`read routing (skipped: ${server.skip})`, () => {
    it('needs a Postgres server', () => {})
  })
} else {
  const { schema, drop } = await isolatedSchema(server.url, 'replica_routing')
  afterAll(async () => {
    await drop()
    await server.stop()
  })

  describe('PgvectorBackend read routing', () => {
    it('a replica that refuses connections and a server that is no replica are skipped: every read is answered by the primary', async () => {
      const refusing = `postgres://postgres@127.0.0.1:${await closedPort()}/vecstore`
      const backend = await PgvectorBackend.create({
        dsn: server.url,
        replicas: [refusing, server.url],
        readYourWrites: true,
        schema,
        table: 'skipped',
        dim: 3,
      })
      try {
        await backend.upsert('a', [1, 2, 3], { v: 1 })
        for (let i = 0; i < 5; i++) {
          expect(await backend.getByIds(['a'])).toHaveLength(1)
          expect((await backend.search([1, 2, 3], 1, { v: 1 }))[0]?.id).toBe('a')
          expect(await backend.listWhere({}, 10)).toEqual([{ id: 'a', payload: { v: 1 } }])
        }
        await backend.markWritten()
        const stats: PgvectorStats = await backend.stats()
        expect(stats.count).toBe(1)
        expect(stats.replicas).toEqual([
          {
            replica: expect.stringMatching(/^replicas\[0\] \(127\.0\.0\.1:\d+\/vecstore\)$/),
            state: 'down',
            reads: 0,
          },
          { replica: expect.stringMatching(/^replicas\[1\] /), state: 'down', reads: 0 },
        ])
        // 15 reads above and the count inside stats().
        expect(stats.primaryReads).toBe(16)
      } finally {
        await backend.close()
      }
    })

    it('without replicas, stats() reports none, and markWritten() is a no-op', async () => {
      const backend = await PgvectorBackend.create({
        dsn: server.url,
        schema,
        table: 'plain',
        dim: 3,
      })
      try {
        await backend.markWritten()
        const stats = await backend.stats()
        expect('replicas' in stats).toBe(false)
        expect('primaryReads' in stats).toBe(false)
      } finally {
        await backend.close()
      }
    })
  })
}
