// One corpus size of the scaling benchmark for InMemoryVectorBackend, in a process of its own so
// its peak RSS is this size's alone. Run by bench/scaling.ts:
//   npx tsx bench/scaling-memory.ts N QUERIES
// Prints one JSON line; writes the exact top-10 of every query for the pgvector side's recall.
import { mkdirSync, writeFileSync } from 'node:fs'
import { InMemoryVectorBackend } from '../src/index.js'
import { percentile } from './lib/stats.js'
import {
  SYNTHETIC_DIM,
  syntheticCorpusChunks,
  syntheticQueries,
  syntheticRow,
  syntheticTruthFile,
  SYNTHETIC_CACHE_DIR,
} from './lib/synthetic.js'

const n = Number(process.argv[2])
const queryCount = Number(process.argv[3])
/** Queries checked against a plain float64 scan: the backend's recall, and the truth's check. */
const CHECKED = 10

/** Exact cosine top-10 of a few queries by a plain double-precision scan over regenerated chunks. */
function bruteForceTop10(queries: Float32Array, count: number): number[][] {
  const norms = Array.from({ length: count }, (_, q) => {
    const v = syntheticRow(queries, q)
    return Math.sqrt(v.reduce((s, x) => s + x * x, 0))
  })
  const best = Array.from({ length: count }, () => [] as [number, number][])
  let base = 0
  for (const chunk of syntheticCorpusChunks(n)) {
    const rows = chunk.length / SYNTHETIC_DIM
    for (let i = 0; i < rows; i++) {
      const v = syntheticRow(chunk, i)
      let norm = 0
      for (let d = 0; d < SYNTHETIC_DIM; d++) norm += (v[d] as number) ** 2
      for (let q = 0; q < count; q++) {
        const query = syntheticRow(queries, q)
        let dot = 0
        for (let d = 0; d < SYNTHETIC_DIM; d++) dot += (v[d] as number) * (query[d] as number)
        const score = dot / (Math.sqrt(norm) * (norms[q] as number))
        const list = best[q] as [number, number][]
        if (list.length < 10 || score > (list[9] as [number, number])[1]) {
          list.push([base + i, score])
          list.sort((a, b) => b[1] - a[1])
          if (list.length > 10) list.pop()
        }
      }
    }
    base += rows
  }
  return best.map((list) => list.map(([i]) => i))
}

async function main(): Promise<void> {
  const baselineRss = process.memoryUsage().rss
  const backend = new InMemoryVectorBackend({ metric: 'cosine', dim: SYNTHETIC_DIM })
  let loadMs = 0
  let base = 0
  for (const chunk of syntheticCorpusChunks(n)) {
    const rows = chunk.length / SYNTHETIC_DIM
    const records = Array.from({ length: rows }, (_, i) => ({
      id: String(base + i),
      vector: syntheticRow(chunk, i),
      payload: {},
    }))
    const start = performance.now()
    await backend.upsertMany(records)
    loadMs += performance.now() - start
    base += rows
  }
  const queries = syntheticQueries(queryCount)
  for (let q = 0; q < 5; q++) await backend.search(syntheticRow(queries, q), 10, {})
  const latencies: number[] = []
  const found: number[][] = []
  for (let q = 0; q < queryCount; q++) {
    const start = performance.now()
    const hits = await backend.search(syntheticRow(queries, q), 10, {})
    latencies.push(performance.now() - start)
    found.push(hits.map((hit) => Number(hit.id)))
  }
  const peakRssBytes = process.resourceUsage().maxRSS * 1024
  const checked = Math.min(CHECKED, queryCount)
  const truth = bruteForceTop10(queries, checked)
  let hits = 0
  truth.forEach((ids, q) => (hits += ids.filter((id) => found[q]?.includes(id)).length))
  mkdirSync(SYNTHETIC_CACHE_DIR, { recursive: true })
  writeFileSync(syntheticTruthFile(n, queryCount), JSON.stringify(found))
  await backend.close()
  const total = latencies.reduce((s, x) => s + x, 0)
  console.log(
    JSON.stringify({
      n,
      queries: queryCount,
      loadRowsPerSec: n / (loadMs / 1000),
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      qps: queryCount / (total / 1000),
      recallAt10: hits / (10 * checked),
      recallQueries: checked,
      peakRssBytes,
      baselineRssBytes: baselineRss,
      vectorBytes: n * SYNTHETIC_DIM * 4,
    }),
  )
}

if (process.argv[1]?.endsWith('scaling-memory.ts')) await main()
