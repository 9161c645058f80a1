import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import type { VectorRecord } from '../../src/core/backend.js'
import type { DistanceMetric } from '../../src/core/metric.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { Dice } from '../differential/random-data.js'
import { collectionNames } from '../setup/chroma.js'
import { type TestEngine, testEngines } from '../setup/postgres-engines.js'

// Data on which approximate indexes came back short: gaussian vectors whose scales (0.5-5)
// make IP unlike cosine; HNSW graphs under IP leave entries unreachable. Every search must
// still return exactly min(topK, matching entries) hits.
const N = 2000
const DIM = 16

function records(seed: number): VectorRecord[] {
  const dice = new Dice(seed)
  return Array.from({ length: N }, (_, i) => ({
    id: `v${i}`,
    vector: dice.scaledGaussian(DIM),
    payload: { i, g: i % 7 },
  }))
}

const names = collectionNames('complete')

describe('Chroma search returns every matching entry it is asked for', () => {
  for (const [metric, updates] of [
    ['ip', 0],
    ['l2', 150],
  ] as [DistanceMetric, number][]) {
    it(`${metric}${updates ? ` after ${updates} vector updates` : ''}`, async () => {
      const dice = new Dice(7)
      const backend = await ChromaBackend.create(names.next(), { metric, dim: DIM })
      try {
        await backend.upsertMany(records(1))
        for (let u = 0; u < updates; u++) {
          const i = dice.below(N)
          await backend.upsert(`v${i}`, dice.scaledGaussian(DIM), { i, g: i % 7 })
        }
        for (let q = 0; q < 3; q++) {
          expect(await backend.search(dice.scaledGaussian(DIM), N, {})).toHaveLength(N)
        }
        const ofGroup = await backend.search(dice.scaledGaussian(DIM), 300, { g: 3 })
        expect(ofGroup).toHaveLength(await backend.count({ g: 3 }))
        for (let q = 0; q < 60; q++) {
          const i = dice.below(N)
          const hits = await backend.search(dice.scaledGaussian(DIM), 5, { i })
          expect(hits.map((hit) => hit.id)).toEqual([`v${i}`])
        }
      } finally {
        await backend.close()
      }
    })
  }
})

let engines: TestEngine[] = []

beforeAll(async () => {
  engines = (await testEngines('completeness')).engines
})

afterAll(async () => {
  for (const engine of engines) await engine.close()
})

describe('pgvector with its default HNSW index returns topK rows on filtered IP searches', () => {
  it('a range matching 60 rows, topK 50: 50 hits every time', async () => {
    for (const engine of engines) {
      const backend = await PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table: 'complete_ip',
        dim: DIM,
        metric: 'ip',
      })
      try {
        await backend.upsertMany(records(2))
        const dice = new Dice(11)
        const short: number[] = []
        for (let q = 0; q < 100; q++) {
          const start = dice.below(N - 60)
          const range = { i: { $gte: start, $lt: start + 60 } }
          const hits = await backend.search(dice.scaledGaussian(DIM), 50, range)
          if (hits.length !== 50) short.push(hits.length)
          for (const hit of hits) expect(hit.payload['i']).toBeGreaterThanOrEqual(start)
        }
        expect(short, engine.name).toEqual([])
      } finally {
        await backend.close()
      }
    }
  })
})
