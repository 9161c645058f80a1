// Filtered top-10 on an app column with a btree index vs the same filter on a JSONB payload key,
// on the same rows and HNSW index settings, side by side in one run: latency p50/p95 and how many
// searches returned k, at 0.1%, 1% and 10% selectivity. Then 1% once more with a covering btree
// on (b100, embedding, id), from which the exact pass reads without touching the table.
//
//   npx tsx bench/app-columns.ts [--rows=1000000] [--queries=200]
import { integer } from 'drizzle-orm/pg-core'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { PgvectorBackend, vectorTable } from '../src/pgvector/index.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { fmt, median, percentile } from './lib/stats.js'
import {
  SYNTHETIC_DIM,
  syntheticCorpusChunks,
  syntheticQueries,
  syntheticRow,
} from './lib/synthetic.js'

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const ROWS = arg('rows', 1_000_000)
const QUERIES = arg('queries', 200)
const TOP_K = 10

// One key per selectivity: `b1000 = 7` matches 0.1% of the rows, `b100 = 7` 1%, `b10 = 7` 10%.
// Every payload also carries a title and a document of its own, as real chunks do: Postgres's
// statistics then see mostly distinct payloads, as in an app (not 1,000 repeated ones).
const KEYS = [
  ['b1000', 1000, '0.1%'],
  ['b100', 100, '1%'],
  ['b10', 10, '10%'],
] as const
type Buckets = { b10: number; b100: number; b1000: number; title: string; doc: number }

const columns = { b10: integer('b10'), b100: integer('b100'), b1000: integer('b1000') }
const inColumns = vectorTable<Buckets, typeof columns>(
  'bench_app_columns',
  { dimensions: SYNTHETIC_DIM },
  columns,
)
const inPayload = vectorTable<Buckets>('bench_app_payload', { dimensions: SYNTHETIC_DIM })

const url = benchDatabaseUrl()
const client = postgres(url, { max: 2, onnotice: () => {} })
const db = drizzle({ client })

async function load(): Promise<void> {
  await client.unsafe('DROP TABLE IF EXISTS bench_app_columns, bench_app_payload')
  await client.unsafe(`CREATE TABLE bench_app_columns (id text PRIMARY KEY, embedding vector(${SYNTHETIC_DIM}) NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}', b10 integer, b100 integer, b1000 integer)`)
  for (const key of ['b10', 'b100', 'b1000']) {
    await client.unsafe(`CREATE INDEX bench_app_columns_${key}_idx ON bench_app_columns (${key})`)
  }
  await client.unsafe("SET maintenance_work_mem = '2GB'")
  const started = performance.now()
  for (const table of [inColumns, inPayload]) {
    const backend = await PgvectorBackend.create({
      dsn: url,
      table,
      maintenanceWorkMem: '2GB',
      deferIndexRows: 10_000,
      maxConnections: 1,
    })
    let i = 0
    // One batch: into the empty table the vector index is dropped, loaded around and rebuilt once.
    const records = []
    for (const chunk of syntheticCorpusChunks(ROWS, 50_000)) {
      for (let r = 0; r < chunk.length / SYNTHETIC_DIM; r++, i++) {
        records.push({
          id: `r${i}`,
          vector: syntheticRow(chunk, r),
          payload: {
            b10: i % 10,
            b100: i % 100,
            b1000: i % 1000,
            title: `chunk ${i}`,
            doc: i >> 3,
          },
        })
      }
    }
    await backend.upsertMany(records)
    await backend.close()
    console.error(
      `loaded ${ROWS} rows into ${table === inColumns ? 'the columns table' : 'the payload table'}`,
    )
  }
  console.error(`load + index: ${fmt((performance.now() - started) / 1000, 1)} s`)
}

interface Side {
  p50: number
  p95: number
  returnedK: number
}

async function measure(
  keys: readonly (readonly [string, number, string])[],
): Promise<Record<string, { column: Side; payload: Side }>> {
  const backends = {
    column: await PgvectorBackend.create({ db, table: inColumns, manageSchema: false }),
    payload: await PgvectorBackend.create({ db, table: inPayload, manageSchema: false }),
  }
  const queries = syntheticQueries(QUERIES)
  const out: Record<string, { column: Side; payload: Side }> = {}
  for (const [key, , label] of keys) {
    const times = { column: [] as number[], payload: [] as number[] }
    const full = { column: 0, payload: 0 }
    for (let round = 0; round < 2; round++) {
      for (let q = 0; q < QUERIES; q++) {
        const vector = syntheticRow(queries, q)
        const filter = { [key]: 7 }
        // Take turns at going first, so neither side always meets a query's cache misses.
        const order =
          q % 2 === 0 ? (['column', 'payload'] as const) : (['payload', 'column'] as const)
        for (const side of order) {
          const started = performance.now()
          const hits = await backends[side].search(vector, TOP_K, filter)
          if (round === 0) continue // warm-up
          times[side].push(performance.now() - started)
          if (hits.length === TOP_K) full[side]++
        }
      }
    }
    const side = (name: 'column' | 'payload'): Side => ({
      p50: median(times[name]),
      p95: percentile(times[name], 95),
      returnedK: full[name] / QUERIES,
    })
    out[label] = { column: side('column'), payload: side('payload') }
  }
  for (const backend of Object.values(backends)) await backend.close()
  return out
}

const COVER = 'bench_app_columns_b100_cover'
await client.unsafe(`DROP INDEX IF EXISTS ${COVER}`)
if (!process.argv.includes('--no-load')) await load()
const figures = await measure(KEYS)
// `vector_ops` is pgvector's btree operator class; VACUUM marks the pages index-only scans skip.
await client.unsafe(`CREATE INDEX ${COVER} ON bench_app_columns (b100, embedding vector_ops, id)`)
await client.unsafe('VACUUM bench_app_columns')
const covered = await measure([['b100', 100, '1% (b100, embedding, id)']])
await client.unsafe(`DROP INDEX ${COVER}`)
Object.assign(figures, covered)
await client.end()
console.log(
  `filtered top-${TOP_K}, ${ROWS} x ${SYNTHETIC_DIM}, HNSW (m 16, ef_construction 64), ${QUERIES} queries`,
)
console.log(
  'selectivity | column p50 / p95 ms | payload p50 / p95 ms | payload / column (p50) | returned k: column, payload',
)
for (const [label, { column, payload }] of Object.entries(figures)) {
  console.log(
    `${label.padEnd(11)} | ${fmt(column.p50, 3)} / ${fmt(column.p95, 3)} | ${fmt(payload.p50, 3)} / ${fmt(payload.p95, 3)} | ${fmt(payload.p50 / column.p50, 2)} | ${fmt(column.returnedK * 100, 0)}%, ${fmt(payload.returnedK * 100, 0)}%`,
  )
}
writeResult('app-columns', { rows: ROWS, queries: QUERIES, dim: SYNTHETIC_DIM, figures })
