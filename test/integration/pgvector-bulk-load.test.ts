import { afterAll, describe, expect, it } from 'vitest'
import type { Payload, VectorRecord } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { vectorLiteral } from '../../src/pgvector/vector-text.js'
import { qualified, testEngines } from '../setup/postgres-engines.js'

const { engines, skipped } = await testEngines('pgv_bulk')
afterAll(async () => {
  for (const engine of engines) await engine.close()
})
if (skipped)
  describe.skip(`native Postgres (skipped: ${skipped})`, () => it('needs Postgres', () => {}))

// Ids and strings that text formats must escape: tabs, newlines, backslashes, quotes, non-BMP.
const AWKWARD = ['tab\there', 'line\nbreak', 'back\\slash', `quote'"`, 'emoji 🧭', 'ünï', '\\N']

function records(rows: number, dim: number, version: number): VectorRecord[] {
  let state = rows * dim + version
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) | 0
    return ((state >>> 8) / 0x800000) * 2 - 1
  }
  return Array.from({ length: rows }, (_, i) => ({
    id: i < AWKWARD.length ? (AWKWARD[i] as string) : `row-${i}`,
    vector: Float32Array.from({ length: dim }, () => next() * 10 ** ((i % 7) - 3)),
    payload: (version === 1
      ? { i, text: AWKWARD[i % AWKWARD.length] as string, nested: { list: [1, null, 'x'] } }
      : { i, version }) as Payload,
  }))
}

// Several COPY chunks of a megabyte: 3000 x 384 float32 is 4.6 MB.
const ROWS = 3000
const DIM = 384

for (const engine of engines) {
  describe(`upsertMany bulk loads on ${engine.name}`, () => {
    it('writes every float32 exactly and every payload and id losslessly, then replaces them', async () => {
      const backend = await PgvectorBackend.create({
        db: engine.db,
        table: 'bulk_exact',
        schema: engine.schema,
        dim: DIM,
        index: 'none',
      })
      const first = records(ROWS, DIM, 1)
      await backend.upsertMany(first)
      expect(await backend.count({})).toBe(ROWS)
      const listed = await backend.listWhere({}, ROWS)
      const byId = new Map(listed.map((entry) => [entry.id, entry.payload]))
      for (const record of first) expect(byId.get(record.id)).toEqual(record.payload)
      const stored = await engine.sql(
        `SELECT "id", "embedding"::text AS "text" FROM ${qualified(engine, 'bulk_exact')} WHERE "id" = ANY($1)`,
        [[...AWKWARD, 'row-1000', 'row-2999']],
      )
      expect(stored).toHaveLength(AWKWARD.length + 2)
      for (const row of stored) {
        const record = first.find((candidate) => candidate.id === row['id']) as VectorRecord
        // The server prints the shortest text that round-trips its float4: compare as float32.
        const parsed = Float32Array.from(JSON.parse(String(row['text'])) as number[])
        expect(vectorLiteral(parsed)).toBe(vectorLiteral(record.vector as Float32Array))
      }
      // A second load over the same ids replaces vectors and payloads: no stale keys.
      const second = records(ROWS, DIM, 2)
      await backend.upsertMany(second)
      expect(await backend.count({})).toBe(ROWS)
      expect(await backend.count({ version: 2 })).toBe(ROWS)
      const hit = (await backend.search(second[42]?.vector as Float32Array, 1, {}))[0]
      expect(hit).toEqual({
        id: 'row-42',
        score: expect.closeTo(1, 5),
        payload: { i: 42, version: 2 },
      })
      await backend.close()
    })

    it('loads a payload larger than a COPY chunk', async () => {
      const backend = await PgvectorBackend.create({
        db: engine.db,
        table: 'bulk_wide',
        schema: engine.schema,
        dim: 4,
        index: 'none',
      })
      const wide = { text: 'ß'.repeat(1_500_000) }
      // Enough rows for the COPY path, one of them wider than a chunk.
      const rows = Array.from({ length: 600 }, (_, i) => ({
        id: `n${String(i).padStart(3, '0')}`,
        vector: [1, 0, 0, i],
        payload: { small: true } as Payload,
      }))
      await backend.upsertMany([...rows, { id: 'wide', vector: [0, 1, 0, 0], payload: wide }])
      expect(await backend.count({})).toBe(601)
      expect(await backend.listWhere({}, 2, { after: 'n599' })).toEqual([
        { id: 'wide', payload: wide },
      ])
      await backend.close()
    })

    it('loads a halfvec table (written as text) with the same results', async () => {
      const backend = await PgvectorBackend.create({
        db: engine.db,
        table: 'bulk_half',
        schema: engine.schema,
        dim: 8,
        vectorType: 'halfvec',
        index: 'none',
      })
      const rows = records(500, 8, 1).map((record, i) => ({
        ...record,
        vector: Float32Array.from({ length: 8 }, (_, j) => ((i + j) % 13) / 4 - 1),
      }))
      await backend.upsertMany(rows)
      expect(await backend.count({})).toBe(500)
      const hit = (await backend.search(rows[7]?.vector as Float32Array, 1, {}))[0]
      expect(hit?.score).toBeCloseTo(1, 5)
      await backend.close()
    })

    it('a load the database rejects partway writes none of its rows', async () => {
      const backend = await PgvectorBackend.create({
        db: engine.db,
        table: 'bulk_reject',
        schema: engine.schema,
        dim: 4,
        index: 'none',
      })
      await backend.upsert('kept', [1, 0, 0, 0], { v: 1 })
      await engine.sql(
        `ALTER TABLE ${qualified(engine, 'bulk_reject')} ADD CONSTRAINT "no_bad" CHECK (NOT ("payload" ? 'bad'))`,
      )
      const batch = Array.from({ length: 2000 }, (_, i): VectorRecord => ({
        id: i === 0 ? 'kept' : `n${i}`,
        vector: [1, i, 0, 0],
        payload: i === 1999 ? { bad: true } : { v: 2 },
      }))
      await expect(backend.upsertMany(batch)).rejects.toMatchObject({ code: 'BACKEND_QUERY' })
      expect(await backend.count({})).toBe(1)
      expect(await backend.listWhere({}, 10)).toEqual([{ id: 'kept', payload: { v: 1 } }])
      await backend.close()
    })

    if (engine.url !== undefined)
      it('a COPY the server rejects (statement timeout) fails with a typed error, writes nothing and frees the connection', async () => {
        const url = new URL(engine.url as string)
        url.searchParams.set('options', '-c statement_timeout=30')
        const backend = await PgvectorBackend.create({
          dsn: url.href,
          table: 'bulk_timeout',
          schema: engine.schema,
          dim: DIM,
          index: 'none',
          maxConnections: 1,
        })
        // Usually 2000 rows are all sent before the server gives up (it rejects after CopyDone),
        // and 20000 are not; a fast server may finish 2000 in time. A load never hangs: it either
        // fails with a typed error and writes nothing, or writes everything.
        let rejected = 0
        for (const rows of [2000, 20_000]) {
          const failure = await backend.upsertMany(records(rows, DIM, 1)).catch((error) => error)
          if (failure === undefined) {
            expect(await backend.count({})).toBe(rows)
            await backend.clearAll()
            continue
          }
          expect(failure).toMatchObject({ code: 'BACKEND_QUERY' })
          expect(await backend.count({})).toBe(0)
          rejected++
        }
        expect(rejected).toBeGreaterThan(0)
        const stuck = await engine.sql(
          `SELECT count(*)::int AS "n" FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'`,
        )
        expect(stuck[0]?.['n']).toBe(0)
        await backend.close()
      })
  })
}
