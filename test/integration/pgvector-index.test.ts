import { afterAll, describe, expect, it } from 'vitest'
import { referenceScore } from '../../src/core/metric.js'
import type { VectorRecord } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { qualified, type TestEngine, testEngines } from '../setup/postgres-engines.js'
import { seededRandom } from '../setup/seeded-random.js'

const { engines, skipped } = await testEngines('pgv_index')
afterAll(async () => {
  for (const engine of engines) await engine.close()
})
if (skipped)
  describe.skip(`native Postgres (skipped: ${skipped})`, () => it('needs Postgres', () => {}))

// Filter attributes are drawn at random, not derived from i: the planner estimates selectivity
// from a sample of payloads, and a pattern aligned with the sample would fool it.
function corpus(rows: number, dim: number): VectorRecord[] {
  const next = seededRandom(rows * dim)
  return Array.from({ length: rows }, (_, i) => ({
    id: `r${String(i).padStart(5, '0')}`,
    vector: Array.from({ length: dim }, next),
    payload: { i, even: next() < 0.5, cat: Math.floor(next() * 100) },
  }))
}

function exactTop(
  records: VectorRecord[],
  query: number[],
  k: number,
  keep: (payload: VectorRecord['payload']) => boolean,
) {
  return records
    .filter((record) => keep(record.payload))
    .map((record) => ({ id: record.id, score: referenceScore('l2', query, record.vector) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map(({ id }) => id)
}

function recall(found: string[], exact: string[]): number {
  return exact.filter((id) => found.includes(id)).length / exact.length
}

// PGlite inserts and builds slowly: a smaller table there, a few thousand rows natively.
const SIZES: Record<string, { rows: number; dim: number }> = {
  PGlite: { rows: 4000, dim: 16 },
  native: { rows: 5000, dim: 32 },
}

for (const engine of engines) {
  const { rows, dim } = SIZES[engine.name === 'PGlite' ? 'PGlite' : 'native'] as {
    rows: number
    dim: number
  }
  const records = corpus(rows, dim)
  const query = corpus(1, dim)[0]?.vector as number[]

  describe(`vector index use on ${engine.name} (${rows} rows x ${dim})`, () => {
    let backend: PgvectorBackend
    const open = async (table: string, index: 'hnsw' | 'ivfflat') => {
      const opened = await PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table,
        dim,
        metric: 'l2',
        index,
        lists: 20,
        // Small thresholds so this load takes the bulk path: index rebuilt after load, then ANALYZE.
        deferIndexRows: 1000,
        analyzeAfterRows: 1000,
        // One parallel worker beside the leader builds it (the build copies rows straight in).
        maintenanceWorkers: 1,
        maintenanceWorkMem: '256MB',
        // Filters expected to match at most 5% of the rows take the exact path; broader ones HNSW.
        exactFilterRows: rows / 20,
      })
      await opened.upsertMany(records)
      return opened
    }

    it('a bulk load into the empty table rebuilds the same HNSW index and analyzes', async () => {
      backend = await open('hnsw_items', 'hnsw')
      await expectIndexAndStats(engine, 'hnsw_items', 'hnsw', rows)
    })

    it('unfiltered and filtered searches are planned on the HNSW index', async () => {
      for (const filters of [{}, { even: true }, { i: { $lt: rows / 100 } }]) {
        const plan = await backend.explain(query, 10, filters)
        expect(plan.usesVectorIndex, `${JSON.stringify(filters)}\n${plan.text}`).toBe(true)
        expect(plan.text).toContain('hnsw_items_embedding_idx')
        // Unfiltered: one plain pass (retried iteratively only if short); filtered: iterative.
        if (Object.keys(filters).length === 0) expect(plan.settings).toEqual([])
        else expect(plan.settings).toContainEqual(['hnsw.iterative_scan', 'strict_order'])
      }
      const hits = await backend.search(query, 10, { even: true })
      const exact = exactTop(records, query, 10, (payload) => payload['even'] === true)
      expect(
        recall(
          hits.map((hit) => hit.id),
          exact,
        ),
      ).toBeGreaterThanOrEqual(0.9)
    })

    it('a 1%-selective filter still returns k rows', async () => {
      // Equality on 1%: when the planner would find these rows through the GIN index, the
      // search skips HNSW (exact: fetch and sort); on a small table it scans HNSW iteratively.
      const categoryPlan = await backend.explain(query, 10, { cat: 7 })
      if (categoryPlan.settings.length === 0) {
        // An exact pass orders by the distance function, which no vector index serves: no settings.
        expect(categoryPlan.usesVectorIndex, categoryPlan.text).toBe(false)
        expect(categoryPlan.text).toContain('hnsw_items_payload_idx')
      } else {
        expect(categoryPlan.settings).toContainEqual(['hnsw.iterative_scan', 'strict_order'])
      }
      const byCategory = await backend.search(query, 10, { cat: 7 })
      expect(byCategory).toHaveLength(10)
      expect(byCategory.every((hit) => hit.payload['cat'] === 7)).toBe(true)
      expect(byCategory.map((hit) => hit.id)).toEqual(
        exactTop(records, query, 10, (payload) => payload['cat'] === 7),
      )
      // A range on 1% of the rows, planned on HNSW (the GIN index cannot serve ranges).
      const selective = { i: { $lt: rows / 100 } }
      const plan = await backend.explain(query, 10, selective, { analyze: true })
      expect(plan.usesVectorIndex, plan.text).toBe(true)
      const hits = await backend.search(query, 10, selective)
      expect(hits).toHaveLength(10)
      expect(hits.every((hit) => (hit.payload['i'] as number) < rows / 100)).toBe(true)
      // Without iterative scans one pass of ef_search candidates finds fewer: the search
      // notices and completes the answer with an exact pass over the matching rows.
      const onePass = await backend.search(query, 10, selective, { iterativeScan: 'off' })
      expect(onePass.map((hit) => hit.id)).toEqual(
        exactTop(records, query, 10, (payload) => (payload['i'] as number) < rows / 100),
      )
    })

    it('per-query efSearch and the relaxed order are applied and still exact in order', async () => {
      const plan = await backend.explain(query, 10, {}, { efSearch: 200 })
      expect(plan.settings).toContainEqual(['hnsw.ef_search', '200'])
      const strict = await backend.search(query, 10, {}, { efSearch: 200 })
      const relaxed = await backend.search(query, 10, {}, { iterativeScan: 'relaxed_order' })
      for (const hits of [strict, relaxed]) {
        const scores = hits.map((hit) => hit.score)
        expect(scores).toEqual([...scores].sort((a, b) => b - a))
      }
      expect(
        recall(
          strict.map((hit) => hit.id),
          exactTop(records, query, 10, () => true),
        ),
      ).toBe(1)
    })

    it('a filter matching few rows through the GIN index is answered exactly, without HNSW', async () => {
      const next = seededRandom(7)
      const tagged = Array.from({ length: 20_000 }, (_, i) => ({
        id: `t${i}`,
        vector: [next(), next(), next(), next()],
        payload: { tag: Math.floor(next() * 1000) },
      }))
      const exact = await PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table: 'exact_items',
        dim: 4,
        metric: 'l2',
        deferIndexRows: 1000,
      })
      await exact.upsertMany(tagged)
      const probe = [0.5, 0.5, 0.5, 0.5]
      const plan = await exact.explain(probe, 5, { tag: 7 })
      expect(plan.settings).toEqual([])
      expect(plan.usesVectorIndex, plan.text).toBe(false)
      expect(plan.text).toContain('exact_items_payload_idx')
      const hits = await exact.search(probe, 5, { tag: 7 })
      expect(hits.map((hit) => hit.id)).toEqual(
        exactTop(tagged, probe, 5, (payload) => payload['tag'] === 7),
      )
      // A broad filter still walks HNSW.
      expect((await exact.explain(probe, 5, { tag: { $gte: 0 } })).usesVectorIndex).toBe(true)
      await exact.close()
    })

    it('an IVFFlat table is planned on its index and filters still return k rows', async () => {
      const ivf = await open('ivf_items', 'ivfflat')
      await expectIndexAndStats(engine, 'ivf_items', 'ivfflat', rows)
      const plan = await ivf.explain(query, 10, {}, { probes: 5 })
      expect(plan.usesVectorIndex, plan.text).toBe(true)
      expect(plan.settings).toContainEqual(['ivfflat.probes', '5'])
      expect(await ivf.search(query, 10, { i: { $lt: rows / 100 } })).toHaveLength(10)
      await ivf.close()
      await backend.close()
    })
  })
}

async function expectIndexAndStats(
  engine: TestEngine,
  table: string,
  method: string,
  rows: number,
): Promise<void> {
  const [index] = await engine.sql(
    `SELECT am.amname AS method, x.indisvalid AS valid, pg_get_indexdef(x.indexrelid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
      WHERE x.indrelid = to_regclass($1) AND am.amname IN ('hnsw', 'ivfflat')`,
    [qualified(engine, table)],
  )
  expect(index?.['method']).toBe(method)
  expect(index?.['valid']).toBe(true)
  expect(index?.['definition']).toMatch(
    method === 'hnsw' ? /WITH \(m='16', ef_construction='64'\)/ : /WITH \(lists='20'\)/,
  )
  const [stats] = await engine.sql(`SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)`, [
    qualified(engine, table),
  ])
  // reltuples is -1 until the table is analyzed (or vacuumed).
  expect(Number(stats?.['reltuples'])).toBe(rows)
}
