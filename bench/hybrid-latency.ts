/**
 * The cost of hybrid search on PgvectorBackend at 100k documents: top-10 hybrid search (vector +
 * full text, one statement) against top-10 vector-only search on the same table, queries taking
 * turns, p50/p95 side by side in one run.
 *
 *   npx tsx bench/hybrid-latency.ts [--quick] [--language=CONFIG]   (100k rows, 500 queries; quick: 10k, 100)
 *
 * Rows: the paragraphs of Debian's package descriptions as text (bench/lib/debian-descriptions.ts),
 * each with a vector of the synthetic 384-dim cosine set (bench/lib/synthetic.ts); the table
 * declares `fullText: { source: 'text' }` and the default HNSW index. Queries: a synthetic query
 * vector with a package synopsis as text, both text modes: `'all'` (every word, the default) and
 * `'any'`. Writes bench/results/hybrid-latency.json.
 */
import postgres from 'postgres'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { debianPackages, plainQuery } from './lib/debian-descriptions.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { percentile } from './lib/stats.js'
import { SYNTHETIC_DIM, syntheticCorpus, syntheticQueries, syntheticRow } from './lib/synthetic.js'
import { printTable } from './lib/table.js'

const quick = process.argv.includes('--quick')
const ROWS = quick ? 10_000 : 100_000
const QUERIES = quick ? 100 : 500
const TABLE = 'bench_hybrid'
// --language=english: the table's text search configuration (default 'simple').
const LANGUAGE =
  process.argv.find((arg) => arg.startsWith('--language='))?.split('=')[1] ?? 'simple'

const packages = debianPackages()
const paragraphs = packages.flatMap((p) => p.description.split(/\n\s*/).filter((s) => s.length > 0))
if (paragraphs.length < ROWS) throw new Error(`only ${paragraphs.length} paragraphs`)
const texts = paragraphs.slice(0, ROWS)

const url = benchDatabaseUrl()
const sql = postgres(url, { max: 1, onnotice: () => {} })
await sql.unsafe(`DROP TABLE IF EXISTS ${TABLE}`)
await sql.end()
const backend = await PgvectorBackend.create({
  dsn: url,
  table: TABLE,
  dim: SYNTHETIC_DIM,
  metric: 'cosine',
  fullText: { source: 'text', language: LANGUAGE },
  maintenanceWorkMem: '1GB',
})
const corpus = syntheticCorpus(ROWS)
let start = performance.now()
await backend.upsertMany(
  texts.map((text, i) => ({ id: String(i), vector: syntheticRow(corpus, i), payload: { text } })),
)
const loadSeconds = (performance.now() - start) / 1000
console.log(`${ROWS} rows loaded (HNSW and GIN built) in ${loadSeconds.toFixed(1)} s`)

const queryVectors = syntheticQueries(QUERIES)
const synopses = packages.map((p) => plainQuery(p.synopsis)).filter((s) => s.length > 0)
const query = (q: number) => ({
  vector: syntheticRow(queryVectors, q),
  // Spread over the packages, not only the first ones (whose paragraphs are in the table).
  text: synopses[(q * 7919) % synopses.length] as string,
})

type Mode = 'vector' | 'hybrid-all' | 'hybrid-any'
const run: Record<Mode, (q: number) => Promise<unknown>> = {
  vector: (q) => backend.search(query(q).vector, 10, {}),
  'hybrid-all': (q) => backend.hybridSearch(query(q), 10, {}),
  'hybrid-any': (q) => backend.hybridSearch(query(q), 10, {}, { textMatch: 'any' }),
}
const modes = Object.keys(run) as Mode[]
const times: Record<Mode, number[]> = { vector: [], 'hybrid-all': [], 'hybrid-any': [] }
const textMatches: number[] = []
// Vector-only and the default hybrid take turns, in alternating order, so drift on a shared machine
// hits both alike. 'any' (about a second a query at 100k, scanning much of the table) is timed
// apart afterwards, on a fifth of the queries, so it cannot disturb that comparison.
const pair: Mode[] = ['vector', 'hybrid-all']
for (let q = 0; q < 20; q++) for (const mode of pair) await run[mode](q)
const timeOne = async (mode: Mode, q: number) => {
  start = performance.now()
  await run[mode](q)
  times[mode].push(performance.now() - start)
}
for (let q = 0; q < QUERIES; q++) {
  for (let m = 0; m < pair.length; m++) await timeOne(pair[(q + m) % pair.length] as Mode, q)
}
for (let q = 0; q < QUERIES; q += 5) await timeOne('hybrid-any', q)
const plan = await backend.explainHybrid(query(0), 10, {}, { analyze: true })
for (let q = 0; q < Math.min(QUERIES, 100); q++) {
  const hits = await backend.hybridSearch(
    query(q),
    40,
    {},
    { weights: { vector: 0 }, candidates: 40 },
  )
  textMatches.push(hits.filter((hit) => hit.score > 0).length)
}
await backend.close()

const figures = Object.fromEntries(
  modes.map((mode) => [
    mode,
    { p50Ms: percentile(times[mode], 50), p95Ms: percentile(times[mode], 95) },
  ]),
) as Record<Mode, { p50Ms: number; p95Ms: number }>
const ratio = (mode: Mode) => figures[mode].p95Ms / figures.vector.p95Ms
printTable(
  ['search', 'p50 ms', 'p95 ms', 'p95 / vector-only p95'],
  modes.map((mode) => [
    mode,
    figures[mode].p50Ms.toFixed(2),
    figures[mode].p95Ms.toFixed(2),
    ratio(mode).toFixed(2),
  ]),
)
console.log(
  `plan: vector index ${plan.usesVectorIndex ? 'used' : 'NOT used'}, full-text index ${plan.usesFullTextIndex ? 'used' : 'NOT used'}`,
)
console.log(
  `'all' queries with a text match in the top 40: ${textMatches.filter((n) => n > 0).length} of ${textMatches.length}`,
)
writeResult('hybrid-latency', {
  language: LANGUAGE,
  rows: ROWS,
  queries: QUERIES,
  loadSeconds,
  figures,
  p95Ratio: { all: ratio('hybrid-all'), any: ratio('hybrid-any') },
  usesVectorIndex: plan.usesVectorIndex,
  usesFullTextIndex: plan.usesFullTextIndex,
  queriesWithTextMatches: textMatches.filter((n) => n > 0).length,
})
