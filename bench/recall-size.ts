/**
 * Storage against recall at 1,536 dimensions: the same clustered rows (bench/lib/synthetic.ts at
 * 1,536 dims) in three tables, each with an HNSW index (m 16, ef_construction 64):
 * `vector(1536)`, `halfvec(1536)`, and `vector(1536)` with binary quantization (HNSW on
 * `binary_quantize(embedding)::bit(1536)`, candidates re-ranked by the full vectors).
 *
 *   npx tsx bench/recall-size.ts [--rows=50000] [--queries=200]
 *
 * Per table: load + build seconds, table and vector-index bytes, recall@10 and QPS of one client
 * with pgvector's defaults (ef_search 40), then `tune({ recall: 0.95 })` and the same on other
 * held-out queries with the recorded setting. Exact top 10 from exact passes on the vector table.
 * Writes bench/results/recall-size.json; drops its tables at the end.
 */
import postgres from 'postgres'
import { PgvectorBackend, type PgvectorBackendConfig } from '../src/pgvector/index.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { measureRecall } from './lib/recall-pass.js'
import { clusteredAt } from './lib/synthetic.js'
import { printTable } from './lib/table.js'

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const ROWS = Number(arg('rows') ?? 50_000)
const QUERIES = Number(arg('queries') ?? 200)
const DIM = 1536
const TUNE_QUERIES = 100

const LAYOUTS: [string, string, Partial<PgvectorBackendConfig>][] = [
  ['vector', 'recall_size_vector', { vectorType: 'vector' }],
  ['halfvec', 'recall_size_halfvec', { vectorType: 'halfvec' }],
  ['binary', 'recall_size_binary', { vectorType: 'vector', quantization: 'binary' }],
]

async function main(): Promise<void> {
  const url = benchDatabaseUrl()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const data = clusteredAt(DIM, ROWS, QUERIES + TUNE_QUERIES)
  const row = (set: Float32Array, i: number) => set.subarray(i * DIM, (i + 1) * DIM)
  const records = Array.from({ length: ROWS }, (_, i) => ({
    id: String(i),
    vector: row(data.corpus, i),
    payload: {},
  }))
  const all = Array.from({ length: QUERIES + TUNE_QUERIES }, (_, i) => row(data.queries, i))
  const queries = all.slice(0, QUERIES)
  const tuneQueries = all.slice(QUERIES)
  let truth: string[][] = []
  const figures = []
  for (const [label, table, layout] of LAYOUTS) {
    await sql.unsafe(`DROP TABLE IF EXISTS ${table}`)
    const backend = await PgvectorBackend.create({
      dsn: url,
      table,
      dim: DIM,
      maintenanceWorkMem: '2GB',
      maintenanceWorkers: 1,
      ...layout,
    })
    console.log(`${label}: loading ${ROWS} x ${DIM} and building the index...`)
    const start = performance.now()
    await backend.upsertMany(records)
    const buildSeconds = (performance.now() - start) / 1000
    if (truth.length === 0) {
      console.log('exact top 10 of each query...')
      for (const query of queries) {
        truth.push((await backend.search(query, 10, {}, { exact: true })).map((hit) => hit.id))
      }
    }
    const [sizes] = await sql`SELECT pg_table_size(${table}::regclass) AS "table",
      pg_relation_size(${`${table}_embedding_idx`}::regclass) AS "index"`
    // A first round warms the index again after the exact passes.
    await measureRecall(backend, queries, truth)
    const defaults = await measureRecall(backend, queries, truth)
    const tuned = await backend.tune({ recall: 0.95, queries: tuneQueries })
    const afterTune = await measureRecall(backend, queries, truth)
    figures.push({
      layout: label,
      buildSeconds,
      tableBytes: Number(sizes?.['table']),
      indexBytes: Number(sizes?.['index']),
      defaults,
      tuned: { setting: tuned.setting, ...afterTune },
      curve: tuned.curve,
    })
    console.log(label, figures.at(-1))
    await backend.close()
  }
  for (const [, table] of LAYOUTS) await sql.unsafe(`DROP TABLE IF EXISTS ${table}`)
  await sql.end()
  truth = []
  const vector = figures[0] as (typeof figures)[number]
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1)
  printTable(
    [
      'layout',
      'build s',
      'table MiB',
      'index MiB',
      'index vs vector',
      'recall@10 default',
      'QPS default',
      'tuned',
      'recall@10 tuned',
      'QPS tuned',
    ],
    figures.map((f) => [
      f.layout,
      f.buildSeconds.toFixed(1),
      mb(f.tableBytes),
      mb(f.indexBytes),
      `${((100 * f.indexBytes) / vector.indexBytes).toFixed(1)}%`,
      f.defaults.recallAt10.toFixed(3),
      f.defaults.qps.toFixed(0),
      f.tuned.setting === undefined ? 'not reached' : `ef_search=${f.tuned.setting.value}`,
      f.tuned.recallAt10.toFixed(3),
      f.tuned.qps.toFixed(0),
    ]),
  )
  writeResult('recall-size', { rows: ROWS, dim: DIM, queries: QUERIES, figures })
}

await main()
