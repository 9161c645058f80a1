import assert from 'node:assert/strict'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import type { VectorBackend } from '../../src/core/backend.js'
import type { Payload } from '../../src/core/json.js'
import { InMemoryVectorBackend } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { expectNoLocalServers } from '../setup/chroma.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'
import { listAll } from './helpers/fault-load.js'

// 1,000 operations started at once per backend. Each write op owns its ids, so the final state
// is the same in any order: the sequential model below. Reads must succeed and stay in bounds.
const OPS = 1000
const DIM = 8
const vec = (i: number) => Array.from({ length: DIM }, (_, d) => ((i * 7 + d * 3) % 11) - 5 || 1)

async function runLoad(backend: VectorBackend): Promise<{ ops: number; entries: number }> {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    // Seed what the deletes will delete, plus a stable set the reads look at.
    const seed = []
    for (let i = 0; i < OPS; i++) {
      if (i % 6 === 2) seed.push({ id: `d${i}`, vector: vec(i), payload: { kind: 'victim' } })
      if (i % 6 === 3)
        for (const j of [0, 1])
          seed.push({ id: `g${i}-${j}`, vector: vec(i + j), payload: { group: `g${i}` } })
    }
    for (let i = 0; i < 20; i++)
      seed.push({ id: `s${i}`, vector: vec(i), payload: { kind: 'seed' } })
    await (backend.upsertMany as NonNullable<VectorBackend['upsertMany']>).call(backend, seed)

    const expected = new Map<string, Payload>()
    for (let i = 0; i < 20; i++) expected.set(`s${i}`, { kind: 'seed' })
    const op = async (i: number) => {
      switch (i % 6) {
        case 0:
          return backend.upsert(`u${i}`, vec(i), { i })
        case 1:
          return backend.upsertMany?.(
            [0, 1, 2].map((j) => ({ id: `m${i}-${j}`, vector: vec(i + j), payload: { i, j } })),
          )
        case 2:
          return backend.delete(`d${i}`)
        case 3:
          return backend.deleteWhere({ group: `g${i}` })
        case 4: {
          const hits = await backend.search(vec(i), 5, { kind: 'seed' })
          assert.equal(hits.length, 5)
          return
        }
        default:
          assert.equal(await backend.count({ kind: 'seed' }), 20)
      }
    }
    for (let i = 0; i < OPS; i++) {
      if (i % 6 === 0) expected.set(`u${i}`, { i })
      if (i % 6 === 1) for (const j of [0, 1, 2]) expected.set(`m${i}-${j}`, { i, j })
    }
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('load did not finish within 100 s')), 100_000)
    })
    const results = await Promise.race([
      Promise.allSettled(Array.from({ length: OPS }, (_, i) => op(i))),
      deadline,
    ]).finally(() => clearTimeout(timer))
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [[i, String(r.reason)]] : [],
    )
    expect(failed).toEqual([])
    const stored = await listAll(backend)
    expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [id, payload] of expected) expect(stored.get(id), id).toEqual(payload)
    expect(await backend.count({})).toBe(expected.size)
    return { ops: OPS, entries: stored.size }
  } finally {
    await new Promise((resolve) => setImmediate(resolve))
    process.off('unhandledRejection', onUnhandled)
    expect(unhandled).toEqual([])
  }
}

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
