import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { DimensionMismatchError, InvalidArgumentError, type VectorRecord } from '../../src/index.js'
import { PgvectorBackend, type PgvectorBackendConfig, tune } from '../../src/pgvector/index.js'
import { qualified, testEngines } from '../setup/postgres-engines.js'
import { seededRandom } from '../setup/seeded-random.js'

const { engines, skipped } = await testEngines('pgv_tune')
afterAll(async () => {
  for (const engine of engines) await engine.close()
})
if (skipped)
  describe.skip(`native Postgres (skipped: ${skipped})`, () => it('needs Postgres', () => {}))

const ROWS = 3000
const DIM = 16

function corpus(rows: number, dim: number, seed: number): VectorRecord[] {
  const next = seededRandom(seed)
  return Array.from({ length: rows }, (_, i) => ({
    id: `r${i}`,
    vector: Array.from({ length: dim }, () => next() * 2 - 1),
    payload: { i },
  }))
}

const records = corpus(ROWS, DIM, 5)

for (const engine of engines) {
  describe(`tune on ${engine.name}`, () => {
    const open = (table: string, config: PgvectorBackendConfig = {}) =>
      PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table,
        dim: DIM,
        deferIndexRows: 1000,
        ...config,
      })

    it('records the cheapest ef_search that reaches the target on held-out queries, and every search uses it', async () => {
      // A deliberately weak graph: the default ef_search misses neighbours, so the sweep matters.
      const backend = await open('tuned_hnsw', { m: 4, efConstruction: 8 })
      await backend.upsertMany(records)
      // Without 40, pgvector's default, which searches apply without a SET LOCAL.
      const candidates = [10, 16, 24, 32, 64, 100, 160, 250, 400, 640, 1000]
      // Fixed queries (stored vectors), so the run is the same every time.
      const queries = records.slice(0, 60).map((record) => record.vector)
      const result = await tune(backend, { recall: 0.9, queries, candidates })
      const setting = result.setting
      expect(setting).toBeDefined()
      if (setting === undefined) return
      expect(setting).toMatchObject({
        parameter: 'ef_search',
        targetRecall: 0.9,
        k: 10,
        queries: 30,
      })
      expect(setting.recall).toBeGreaterThanOrEqual(0.9)
      // Cheapest: every value tried before the chosen one missed the target on the choosing half.
      const chosenAt = result.curve.findIndex((point) => point.value === setting.value)
      expect(chosenAt).toBe(result.curve.length - 1)
      for (const point of result.curve.slice(0, chosenAt)) expect(point.recall).toBeLessThan(0.9)
      expect(result.heldOut.at(-1)).toEqual({ value: setting.value, recall: setting.recall })
      expect(result.chart).toContain('<- chosen')
      expect(Date.parse(setting.measuredAt)).toBeLessThanOrEqual(Date.now())
      // This backend uses it at once; the call's own value wins.
      const query = records[0]?.vector as number[]
      expect((await backend.explain(query, 10, {})).settings).toContainEqual([
        'hnsw.ef_search',
        String(setting.value),
      ])
      expect((await backend.explain(query, 10, {}, { efSearch: 300 })).settings).toContainEqual([
        'hnsw.ef_search',
        '300',
      ])
      expect((await backend.stats()).tuned).toEqual(setting)
      await backend.close()

      // Another backend reads it from the table (reopening with a model keeps it in the record).
      const reopened = await open('tuned_hnsw', { model: 'test-model' })
      expect((await reopened.stats()).tuned).toEqual(setting)
      expect((await reopened.explain(query, 10, {})).settings).toContainEqual([
        'hnsw.ef_search',
        String(setting.value),
      ])
      // The recorded value gives the measured recall to a search that does not set its own.
      const hits = await reopened.search(query, 10, {})
      expect(hits).toHaveLength(10)
      // The backend's config outranks the record.
      const configured = await open('tuned_hnsw', { efSearch: 200 })
      expect((await configured.explain(query, 10, {})).settings).toContainEqual([
        'hnsw.ef_search',
        '200',
      ])
      await configured.close()
      await reopened.clearTuning()
      expect((await reopened.stats()).tuned).toBeUndefined()
      expect((await reopened.explain(query, 10, {})).settings).toEqual([])
      await reopened.close()
      const cleared = await open('tuned_hnsw')
      expect((await cleared.stats()).tuned).toBeUndefined()
      await cleared.close()
    })

    it('tunes IVFFlat probes with queries of the caller, and records nothing when the target is out of reach', async () => {
      const backend = await open('tuned_ivf', { index: 'ivfflat', lists: 40 })
      await backend.upsertMany(records)
      const queries = corpus(40, DIM, 99).map((record) => Float32Array.from(record.vector))
      const missed = await backend.tune({ recall: 0.99, queries, candidates: [1] })
      expect(missed.setting).toBeUndefined()
      expect(missed.curve).toHaveLength(1)
      expect((await backend.stats()).tuned).toBeUndefined()
      const result = await backend.tune({ recall: 0.95, queries })
      expect(result.parameter).toBe('probes')
      expect(result.setting?.value).toBeLessThanOrEqual(40)
      expect(result.setting?.recall).toBeGreaterThanOrEqual(0.95)
      expect(result.setting?.queries).toBe(20)
      const plan = await backend.explain(queries[0] as Float32Array, 10, {})
      expect(plan.settings).toContainEqual(['ivfflat.probes', String(result.setting?.value)])
      await backend.close()
    })

    it('refuses bad options with a typed error and records nothing', async () => {
      const backend = await open('tuned_bad')
      await backend.upsertMany(records.slice(0, 200))
      const bad = [
        {},
        { recall: 0 },
        { recall: 1.5 },
        { recall: '0.9' },
        { recall: 0.9, sample: 1 },
        { recall: 0.9, sample: 10, queries: [] },
        { recall: 0.9, k: 0 },
        { recall: 0.9, candidates: [] },
        { recall: 0.9, candidates: [0] },
        { recall: 0.9, queries: 'x' },
      ]
      for (const options of bad) {
        await expect(backend.tune(options as never), JSON.stringify(options)).rejects.toThrow(
          InvalidArgumentError,
        )
      }
      await expect(backend.tune({ recall: 0.9, queries: [[1, 2, 3]] })).rejects.toThrow(
        DimensionMismatchError,
      )
      await expect(tune({} as never, { recall: 0.9 })).rejects.toThrow(InvalidArgumentError)
      expect((await backend.stats()).tuned).toBeUndefined()
      const exact = await open('tuned_exact', { index: 'none' })
      await expect(exact.tune({ recall: 0.9 })).rejects.toThrow(/no vector index/)
      await exact.close()
      await backend.close()
    })

    if (engine.url !== undefined) {
      const url = engine.url
      it('never waits for a writer: tuning runs while a transaction holds uncommitted writes', async () => {
        const backend = await open('tuned_busy')
        await backend.upsertMany(records.slice(0, 1000))
        const writer = postgres(url, { max: 1, onnotice: () => {} })
        const table = qualified(engine, 'tuned_busy')
        try {
          await writer.begin(async (tx) => {
            await tx.unsafe(
              `INSERT INTO ${table} (id, embedding, payload) VALUES ('late', '[${Array(DIM).fill(0.5).join(',')}]', '{}')`,
            )
            await tx.unsafe(`UPDATE ${table} SET payload = '{"busy":true}' WHERE id = 'r1'`)
            // Still inside the writer's transaction: tune finishes, record included.
            const result = await backend.tune({ recall: 0.9, sample: 20 })
            expect(result.setting).toBeDefined()
          })
        } finally {
          await writer.end()
        }
        expect(await backend.count({ busy: true })).toBe(1)
        await backend.close()
      })
    }
  })
}
