import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import type { VectorBackend } from '../../src/core/backend.js'
import { DISTANCE_METRICS, type DistanceMetric, referenceScore } from '../../src/core/metric.js'
import { InMemoryVectorBackend } from '../../src/index.js'
import { compareIds } from '../../src/core/validate.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { collectionNames } from '../setup/chroma.js'
import { type TestEngine, testEngines } from '../setup/postgres-engines.js'

// Every score below is exactly 1 under cosine in exact arithmetic: b and c are the same vector,
// a2 and a3 multiples of it. Float32 sums give them different scores in the last bits, in an
// order that differed per backend; scored in double precision from the stored float32 values,
// they tie exactly where the reference ties them, and ties break by id.
const BASE = [0.1, 0.7, -0.3]
const VECTORS: Record<string, number[]> = {
  e7: BASE.map((x) => 7.1 * x),
  c: BASE,
  a3: BASE.map((x) => 3 * x),
  b: BASE,
  a2: BASE.map((x) => 2 * x),
}

function expected(metric: DistanceMetric): { id: string; score: number }[] {
  const query = Float32Array.from(BASE)
  return Object.entries(VECTORS)
    .map(([id, vector]) => ({
      id,
      score: referenceScore(metric, query, Float32Array.from(vector)),
    }))
    .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
}

let engines: TestEngine[] = []
const names = collectionNames('ties')
let tables = 0

beforeAll(async () => {
  engines = (await testEngines('equal_scores')).engines
})

afterAll(async () => {
  for (const engine of engines) await engine.close()
})

type Maker = (metric: DistanceMetric) => Promise<VectorBackend & { close(): Promise<void> }>

function backends(): [string, boolean, Maker][] {
  const pg =
    (engine: TestEngine, index: 'none' | 'hnsw'): Maker =>
    (metric) =>
      PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table: `ties_${tables++}`,
        dim: 3,
        metric,
        index,
      })
  return [
    ['memory', true, async (metric) => new InMemoryVectorBackend({ metric })],
    ...engines.flatMap((engine): [string, boolean, Maker][] => [
      [`${engine.name}, no vector index`, true, pg(engine, 'none')],
      [`${engine.name}, HNSW`, false, pg(engine, 'hnsw')],
    ]),
    ['Chroma', false, (metric) => ChromaBackend.create(names.next(), { metric })],
  ]
}

describe('equal exact scores come back equal, so id order holds everywhere', () => {
  for (const metric of DISTANCE_METRICS) {
    it(`${metric}: every backend returns the reference order; exact ones its scores`, async () => {
      const want = expected(metric)
      for (const [name, exact, make] of backends()) {
        const backend = await make(metric)
        try {
          for (const [id, vector] of Object.entries(VECTORS)) await backend.upsert(id, vector, {})
          const hits = await backend.search(BASE, 5, {})
          if (name === 'Chroma' && metric === 'cosine') {
            // Chroma keeps cosine vectors normalized: what it returns differs from what was
            // written by a float32 ulp, so only the exact ties (the duplicates b and c, and a2
            // whose direction is exactly theirs) are certain; they come back in id order.
            const ids = hits.map((hit) => hit.id)
            const first = ids.indexOf('a2')
            expect(ids.slice(first, first + 3), name).toEqual(['a2', 'b', 'c'])
            continue
          }
          expect(
            hits.map((hit) => hit.id),
            name,
          ).toEqual(want.map((hit) => hit.id))
          if (exact) {
            expect(
              hits.map((hit) => hit.score),
              name,
            ).toEqual(want.map((hit) => hit.score))
          }
          hits.forEach((hit, i) => expect(hit.score, name).toBeCloseTo(want[i]?.score ?? NaN, 5))
          // The cut-off falls inside the tie: the smallest ids win.
          const two = await backend.search(BASE, 2, {})
          expect(
            two.map((hit) => hit.id),
            name,
          ).toEqual(want.slice(0, 2).map((hit) => hit.id))
        } finally {
          await backend.close()
        }
      }
    })
  }
})
