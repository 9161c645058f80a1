import type postgres from 'postgres'
import { InMemoryVectorBackend } from '../src/index.js'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { loadFashionMnist, row } from './lib/fashion-mnist.js'
import { percentile, seededRandom } from './lib/stats.js'

/** Top-10 latency in ms (median and p95): vecstore vs the same SQL written by hand. */
export interface LatencyFigures {
  readonly queries: number
  readonly vecstoreMedianMs: number
  readonly vecstoreP95Ms: number
  /** The statement vecstore sends, hand-written with postgres.js (prepared). */
  readonly sameSqlMedianMs: number
  /** A bare `SELECT ... ORDER BY embedding <=> $1 LIMIT 10`, no transaction, no settings. */
  readonly bareSelectMedianMs: number
  /** vecstore, 1%-selective equality filter. */
  readonly filteredMedianMs: number
  readonly filteredHits: number
}

/** recall@10 of the default HNSW settings against exact search, Fashion-MNIST, L2. */
export interface RecallFigures {
  readonly corpus: number
  readonly queries: number
  readonly dim: number
  /** Fraction of the exact top-10 ids found. */
  readonly recallAt10: number
  /** ann-benchmarks' definition: hits within the 10th exact distance (x 1.001). */
  readonly recallAt10Distance: number
  readonly loadSec: number
  readonly medianMs: number
}

const TABLE = 'bench_vecstore_hnsw'

/** Interleaves the three ways per query, so load on the machine hits them alike. */
export async function latencyBenchmark(
  url: string,
  sql: postgres.Sql,
  dim: number,
  queries: number,
): Promise<LatencyFigures> {
  const backend = await PgvectorBackend.create({ dsn: url, table: TABLE, dim, maxConnections: 1 })
  const next = seededRandom(99)
  const vectors = Array.from({ length: queries }, () =>
    Array.from({ length: dim }, () => next() * 2 - 1),
  )
  // The statement vecstore sends for an unfiltered top-10 (one plain index pass, no settings),
  // written by hand with postgres.js defaults (a prepared statement).
  const same = (literal: string) =>
    sql.unsafe(
      `SELECT "id", "payload", "embedding" <=> $1::vector AS "distance" FROM "${TABLE}" WHERE TRUE ORDER BY "distance" LIMIT $2`,
      [literal, 11],
    )
  const bare = (literal: string) =>
    sql.unsafe(
      `SELECT id, payload, embedding <=> $1::vector AS distance FROM "${TABLE}" ORDER BY embedding <=> $1::vector LIMIT 10`,
      [literal],
    )
  const samples: Record<'ours' | 'same' | 'bare' | 'filtered', number[]> = {
    ours: [],
    same: [],
    bare: [],
    filtered: [],
  }
  let filteredHits = 0
  const time = async (into: number[], body: () => Promise<unknown>) => {
    const start = performance.now()
    await body()
    into.push(performance.now() - start)
  }
  for (let round = 0; round < 2; round++) {
    // Round 0 warms caches and the JIT; round 1 is measured.
    for (const [i, vector] of vectors.entries()) {
      const bucket = round === 0 ? { ours: [], same: [], bare: [], filtered: [] } : samples
      const runs: (() => Promise<void>)[] = [
        () => time(bucket.ours, () => backend.search(vector, 10, {})),
        () => time(bucket.same, () => same(`[${vector.join(',')}]`)),
        () => time(bucket.bare, () => bare(`[${vector.join(',')}]`)),
        () =>
          time(bucket.filtered, async () => {
            filteredHits += (await backend.search(vector, 10, { cat: 7 })).length
          }),
      ]
      // Who goes first takes the cache misses of a new query vector: take turns.
      for (let j = 0; j < runs.length; j++)
        await (runs[(i + j) % runs.length] as () => Promise<void>)()
    }
  }
  await backend.close()
  return {
    queries,
    vecstoreMedianMs: percentile(samples.ours, 50),
    vecstoreP95Ms: percentile(samples.ours, 95),
    sameSqlMedianMs: percentile(samples.same, 50),
    bareSelectMedianMs: percentile(samples.bare, 50),
    filteredMedianMs: percentile(samples.filtered, 50),
    filteredHits: filteredHits / (2 * queries),
  }
}

/** Loads Fashion-MNIST train through upsertMany (default HNSW), queries with test images. */
export async function recallBenchmark(
  url: string,
  sql: postgres.Sql,
  corpusLimit: number,
  queryLimit: number,
): Promise<RecallFigures> {
  const { train, test } = loadFashionMnist(corpusLimit, queryLimit)
  await sql.unsafe('DROP TABLE IF EXISTS bench_fmnist')
  const backend = await PgvectorBackend.create({
    dsn: url,
    table: 'bench_fmnist',
    dim: train.dim,
    metric: 'l2',
    maintenanceWorkMem: '1GB',
  })
  const exact = new InMemoryVectorBackend({ metric: 'l2', dim: train.dim })
  const records = Array.from({ length: train.count }, (_, i) => ({
    id: String(i),
    vector: row(train, i),
    payload: {},
  }))
  const start = performance.now()
  await backend.upsertMany(records)
  const loadSec = (performance.now() - start) / 1000
  await exact.upsertMany(records)
  let idHits = 0
  let distanceHits = 0
  const latencies: number[] = []
  for (let q = 0; q < test.count; q++) {
    const query = row(test, q)
    const begin = performance.now()
    const found = await backend.search(query, 10, {})
    latencies.push(performance.now() - begin)
    const truth = await exact.search(query, 10, {})
    const truthIds = new Set(truth.map((hit) => hit.id))
    idHits += found.filter((hit) => truthIds.has(hit.id)).length
    // Scores are 1/(1+d): a hit counts when its distance is within the 10th true distance.
    const limit = (1 / (truth[truth.length - 1]?.score ?? 1) - 1) * 1.001
    distanceHits += found.filter((hit) => 1 / hit.score - 1 <= limit).length
  }
  await backend.close()
  await sql.unsafe('DROP TABLE IF EXISTS bench_fmnist')
  return {
    corpus: train.count,
    queries: test.count,
    dim: train.dim,
    recallAt10: idHits / (10 * test.count),
    recallAt10Distance: distanceHits / (10 * test.count),
    loadSec,
    medianMs: percentile(latencies, 50),
  }
}
