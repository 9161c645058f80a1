/**
 * PgvectorBackend next to LangChain's PGVectorStore and Mastra's PgVector on the same server and
 * data (synthetic clustered 384-dim, cosine), each in the table its library creates, each with an
 * HNSW index m 16 / ef_construction 64 built with maintenance_work_mem 1GB:
 *
 *   npx tsx bench/pgvector-anchors.ts           (50k rows, 500 queries)
 *   npx tsx bench/pgvector-anchors.ts --quick   (5k rows, 100 queries)
 *
 * Queries are interleaved (the three libraries take turns per query, rotating who goes first).
 * Per library: load + index seconds, top-10 p50/p95, QPS of one client, recall@10 against exact
 * search, and whether its queries used the HNSW index (idx_scan of that index grew). Writes
 * bench/results/pgvector-anchors.json.
 */
import { Document } from '@langchain/core/documents'
import { FakeEmbeddings } from '@langchain/core/utils/testing'
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector'
import { PgVector } from '@mastra/pg'
import postgres from 'postgres'
import { InMemoryVectorBackend } from '../src/index.js'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { percentile } from './lib/stats.js'
import { SYNTHETIC_DIM, syntheticCorpus, syntheticQueries, syntheticRow } from './lib/synthetic.js'
import { printTable } from './lib/table.js'

const quick = process.argv.includes('--quick')
const ROWS = quick ? 5_000 : 50_000
const QUERIES = quick ? 100 : 500
const HNSW = { m: 16, efConstruction: 64 }
const TABLES = {
  vecstore: 'bench_anchor_vecstore',
  langchain: 'bench_anchor_langchain',
  mastra: 'bench_anchor_mastra',
} as const
type Name = keyof typeof TABLES
/** The same index build memory for the two libraries that take no such option. */
const POOL_OPTIONS = { options: '-c maintenance_work_mem=1GB' }

interface Side {
  readonly name: Name
  /** Load all rows and build the HNSW index; wall seconds. */
  load(): Promise<number>
  /** Ids (corpus row numbers) of the top 10. */
  search(vector: Float32Array): Promise<string[]>
  close(): Promise<void>
}

const corpus = syntheticCorpus(ROWS)
const vectors = Array.from({ length: ROWS }, (_, i) => syntheticRow(corpus, i))
const arrays = vectors.map((vector) => Array.from(vector))

async function timedSec(body: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await body()
  return (performance.now() - start) / 1000
}

function vecstoreSide(url: string): Side {
  let backend: PgvectorBackend | undefined
  return {
    name: 'vecstore',
    load: async () => {
      backend = await PgvectorBackend.create({
        dsn: url,
        table: TABLES.vecstore,
        dim: SYNTHETIC_DIM,
        metric: 'cosine',
        ...HNSW,
        maintenanceWorkMem: '1GB',
      })
      const records = vectors.map((vector, i) => ({ id: String(i), vector, payload: { i } }))
      // One call: COPY into the table, the HNSW index built once at the end.
      return timedSec(() => (backend as PgvectorBackend).upsertMany(records))
    },
    search: async (vector) =>
      (await (backend as PgvectorBackend).search(vector, 10, {})).map((hit) => hit.id),
    close: async () => backend?.close(),
  }
}

function langchainSide(url: string): Side {
  let store: PGVectorStore | undefined
  return {
    name: 'langchain',
    load: async () => {
      store = await PGVectorStore.initialize(new FakeEmbeddings(), {
        postgresConnectionOptions: { connectionString: url, ...POOL_OPTIONS },
        tableName: TABLES.langchain,
        dimensions: SYNTHETIC_DIM,
        distanceStrategy: 'cosine',
      })
      const documents = vectors.map((_, i) => new Document({ pageContent: '', metadata: { i } }))
      const s = store
      return timedSec(async () => {
        await s.addVectors(arrays, documents)
        // Index names are per schema: the namespace keeps this one apart from other tables'.
        await s.createHnswIndex({ dimensions: SYNTHETIC_DIM, ...HNSW, namespace: TABLES.langchain })
      })
    },
    search: async (vector) =>
      (await (store as PGVectorStore).similaritySearchVectorWithScore(Array.from(vector), 10)).map(
        ([document]) => String(document.metadata['i']),
      ),
    close: async () => store?.end(),
  }
}

function mastraSide(url: string): Side {
  const store = new PgVector({ connectionString: url, pgPoolOptions: POOL_OPTIONS })
  const indexName = TABLES.mastra
  const indexConfig = { type: 'hnsw' as const, hnsw: HNSW }
  return {
    name: 'mastra',
    load: async () => {
      await store.createIndex({
        indexName,
        dimension: SYNTHETIC_DIM,
        metric: 'cosine',
        indexConfig,
        buildIndex: false,
      })
      return timedSec(async () => {
        await store.upsert({
          indexName,
          vectors: arrays,
          ids: arrays.map((_, i) => String(i)),
          metadata: arrays.map((_, i) => ({ i })),
        })
        await store.buildIndex({ indexName, metric: 'cosine', indexConfig })
      })
    },
    search: async (vector) =>
      (await store.query({ indexName, queryVector: Array.from(vector), topK: 10 })).map(
        (hit) => hit.id,
      ),
    close: () => store.disconnect(),
  }
}

/** Scans of each table's HNSW index so far (cumulative statistics). */
async function hnswScans(sql: postgres.Sql): Promise<Record<string, number>> {
  // Other backends publish their counters when idle, at most once a second.
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  await sql`SELECT pg_stat_clear_snapshot()`
  const rows = await sql`SELECT s.relname, sum(s.idx_scan)::int AS scans
    FROM pg_stat_user_indexes s JOIN pg_class c ON c.oid = s.indexrelid JOIN pg_am a ON a.oid = c.relam
    WHERE a.amname = 'hnsw' AND s.relname IN ${sql(Object.values(TABLES))} GROUP BY s.relname`
  return Object.fromEntries(rows.map((r) => [r['relname'] as string, Number(r['scans'])]))
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  for (const table of Object.values(TABLES)) await sql.unsafe(`DROP TABLE IF EXISTS ${table}`)
  const sides = [vecstoreSide(url), langchainSide(url), mastraSide(url)]
  const loadSec: Record<string, number> = {}
  for (const side of sides) {
    console.log(`loading ${ROWS} x ${SYNTHETIC_DIM} through ${side.name}...`)
    loadSec[side.name] = await side.load()
  }
  const exact = new InMemoryVectorBackend({ metric: 'cosine', dim: SYNTHETIC_DIM })
  await exact.upsertMany(vectors.map((vector, i) => ({ id: String(i), vector, payload: {} })))
  const queries = syntheticQueries(QUERIES)
  for (let q = 0; q < 20; q++) for (const side of sides) await side.search(syntheticRow(queries, q))
  const before = await hnswScans(sql)
  const latencies = sides.map((): number[] => [])
  const hits = sides.map(() => 0)
  console.log(`${QUERIES} top-10 queries, interleaved...`)
  for (let q = 0; q < QUERIES; q++) {
    const query = syntheticRow(queries, q)
    const truth = new Set((await exact.search(query, 10, {})).map((hit) => hit.id))
    for (let j = 0; j < sides.length; j++) {
      const s = (q + j) % sides.length
      const start = performance.now()
      const ids = await (sides[s] as Side).search(query)
      latencies[s]?.push(performance.now() - start)
      hits[s] = (hits[s] as number) + ids.filter((id) => truth.has(id)).length
    }
  }
  const after = await hnswScans(sql)
  const figures = sides.map((side, s) => {
    const times = latencies[s] as number[]
    const table = TABLES[side.name]
    return {
      name: side.name,
      table,
      loadRowsPerSec: ROWS / (loadSec[side.name] as number),
      loadSec: loadSec[side.name] as number,
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
      qps: QUERIES / (times.reduce((a, b) => a + b, 0) / 1000),
      recallAt10: (hits[s] as number) / (10 * QUERIES),
      usedHnswIndex: (after[table] ?? 0) > (before[table] ?? 0),
    }
  })
  for (const side of sides) await side.close()
  await exact.close()
  for (const table of Object.values(TABLES)) await sql.unsafe(`DROP TABLE IF EXISTS ${table}`)
  await sql.end()
  printTable(
    ['library', 'load+index s', 'p50 ms', 'p95 ms', 'QPS', 'recall@10', 'HNSW used'],
    figures.map((f) => [
      f.name,
      f.loadSec.toFixed(1),
      f.p50Ms.toFixed(2),
      f.p95Ms.toFixed(2),
      f.qps.toFixed(0),
      f.recallAt10.toFixed(3),
      f.usedHnswIndex ? 'yes' : 'no',
    ]),
  )
  writeResult('pgvector-anchors', {
    mode: quick ? 'quick' : 'full',
    rows: ROWS,
    dim: SYNTHETIC_DIM,
    queries: QUERIES,
    index: HNSW,
    libraries: figures,
  })
}

await main()
