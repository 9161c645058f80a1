/**
 * Recall@10 against QPS for PgvectorBackend's HNSW index on Fashion-MNIST (L2), sweeping the
 * per-query `efSearch` (pgvector's hnsw.ef_search):
 *
 *   npx tsx bench/pgvector-sweep.ts           (60k corpus, 1000 queries, 8 settings)
 *   npx tsx bench/pgvector-sweep.ts --quick   (10k corpus, 200 queries, 4 settings)
 *
 * Index: the backend's default HNSW (m 16, ef_construction 64). Ground truth: exact L2 top-10,
 * cached in bench/.cache. QPS is one client sending queries back to back. Writes
 * bench/results/pgvector-sweep.json.
 */
import postgres from 'postgres'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { loadFashionMnist, row } from './lib/fashion-mnist.js'
import { fashionMnistTruth, recallAt10 } from './lib/fashion-mnist-truth.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { percentile } from './lib/stats.js'
import { printTable } from './lib/table.js'

const quick = process.argv.includes('--quick')
const CORPUS = quick ? 10_000 : 60_000
const QUERIES = quick ? 200 : 1000
// The backend raises ef_search to the LIMIT it sends (11) when asked for less.
const EF_SEARCH = quick ? [16, 40, 100, 256] : [16, 24, 40, 64, 100, 160, 256, 400]
const TABLE = 'bench_fmnist_sweep'

async function main(): Promise<void> {
  const url = benchDatabaseUrl()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const { train, test } = loadFashionMnist(CORPUS, QUERIES)
  const truth = await fashionMnistTruth(train, test)
  await sql.unsafe(`DROP TABLE IF EXISTS ${TABLE}`)
  const backend = await PgvectorBackend.create({
    dsn: url,
    table: TABLE,
    dim: train.dim,
    metric: 'l2',
    maintenanceWorkMem: '1GB',
  })
  console.log(`loading Fashion-MNIST ${train.count} x ${train.dim} with the HNSW index...`)
  const start = performance.now()
  await backend.upsertMany(
    Array.from({ length: train.count }, (_, i) => ({
      id: String(i),
      vector: row(train, i),
      payload: {},
    })),
  )
  const loadSec = (performance.now() - start) / 1000
  for (let q = 0; q < 20; q++) await backend.search(row(test, q), 10, {})

  const points = []
  for (const efSearch of EF_SEARCH) {
    const latencies: number[] = []
    let recall = 0
    for (let q = 0; q < test.count; q++) {
      const begin = performance.now()
      const hits = await backend.search(row(test, q), 10, {}, { efSearch })
      latencies.push(performance.now() - begin)
      recall += recallAt10(
        truth,
        q,
        hits.map((hit) => hit.id),
      )
    }
    const total = latencies.reduce((s, x) => s + x, 0)
    points.push({
      efSearch,
      recallAt10: recall / test.count,
      qps: test.count / (total / 1000),
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
    })
  }
  await backend.close()
  await sql.unsafe(`DROP TABLE IF EXISTS ${TABLE}`)
  await sql.end()
  printTable(
    ['ef_search', 'recall@10', 'QPS', 'p50 ms', 'p95 ms'],
    points.map((p) => [
      String(p.efSearch),
      p.recallAt10.toFixed(4),
      p.qps.toFixed(0),
      p.p50Ms.toFixed(2),
      p.p95Ms.toFixed(2),
    ]),
  )
  writeResult('pgvector-sweep', {
    mode: quick ? 'quick' : 'full',
    dataset: 'fashion-mnist-784-euclidean',
    corpus: train.count,
    queries: test.count,
    index: { kind: 'hnsw', m: 16, efConstruction: 64 },
    loadSec,
    points,
  })
}

await main()
