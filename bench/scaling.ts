/**
 * How cost grows with the corpus: InMemoryVectorBackend and PgvectorBackend (default HNSW) on the
 * synthetic clustered 384-dim cosine set, one size after another:
 *
 *   npx tsx bench/scaling.ts                (10k, 100k; 200 queries)
 *   npx tsx bench/scaling.ts --scale=1m     (10k, 100k, 1M)
 *   npx tsx bench/scaling.ts --quick        (2k, 10k; 50 queries)
 *
 * Per size and backend: load rows/s, top-10 p50/p95, QPS of one client, recall@10 against exact
 * search, and memory (peak RSS of a process holding only the in-memory index; table + index bytes
 * on Postgres). Writes bench/results/scaling.json.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { percentile } from './lib/stats.js'
import {
  sizeLabel,
  SYNTHETIC_DIM,
  syntheticCorpus,
  syntheticQueries,
  syntheticRow,
  syntheticTruthFile,
} from './lib/synthetic.js'
import { printTable } from './lib/table.js'

const quick = process.argv.includes('--quick')
const withMillion = process.argv.includes('--scale=1m')
const SIZES = quick
  ? [2_000, 10_000]
  : withMillion
    ? [10_000, 100_000, 1_000_000]
    : [10_000, 100_000]
const QUERIES = quick ? 50 : 200
const TABLE = 'bench_scale'
const root = fileURLToPath(new URL('../', import.meta.url))

interface SizeFigures {
  readonly n: number
  readonly loadRowsPerSec: number
  readonly p50Ms: number
  readonly p95Ms: number
  readonly qps: number
  readonly recallAt10: number
}
type MemoryFigures = SizeFigures & { readonly peakRssBytes: number; readonly vectorBytes: number }
type PgFigures = SizeFigures & { readonly tableBytes: number; readonly indexBytes: number }

function memorySize(n: number): MemoryFigures {
  const args = ['--import', 'tsx', 'bench/scaling-memory.ts', String(n), String(QUERIES)]
  // A large old space: 1M vectors plus the V8 heap of the record objects.
  const out = execFileSync(process.execPath, ['--max-old-space-size=8192', ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  return JSON.parse(out.trim().split('\n').at(-1) as string) as MemoryFigures
}

async function pgvectorSize(url: string, sql: postgres.Sql, n: number): Promise<PgFigures> {
  const truth = JSON.parse(readFileSync(syntheticTruthFile(n, QUERIES), 'utf8')) as number[][]
  await sql.unsafe(`DROP TABLE IF EXISTS ${TABLE}`)
  const backend = await PgvectorBackend.create({
    dsn: url,
    table: TABLE,
    dim: SYNTHETIC_DIM,
    metric: 'cosine',
    maintenanceWorkMem: n >= 1_000_000 ? '4GB' : '1GB',
  })
  let load: number
  {
    const corpus = syntheticCorpus(n)
    const records = Array.from({ length: n }, (_, i) => ({
      id: String(i),
      vector: syntheticRow(corpus, i),
      payload: {},
    }))
    // One bulk call: the load goes through COPY and the HNSW index is built once at the end.
    const start = performance.now()
    await backend.upsertMany(records)
    load = performance.now() - start
  }
  const [sizes] = await sql`SELECT pg_total_relation_size(${TABLE}) AS total,
    (SELECT COALESCE(sum(pg_relation_size(indexrelid)), 0) FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
      WHERE indrelid = ${TABLE}::regclass AND a.amname = 'hnsw') AS hnsw`
  const queries = syntheticQueries(QUERIES)
  for (let q = 0; q < 10; q++) await backend.search(syntheticRow(queries, q % QUERIES), 10, {})
  const latencies: number[] = []
  let hits = 0
  for (let q = 0; q < QUERIES; q++) {
    const start = performance.now()
    const found = await backend.search(syntheticRow(queries, q), 10, {})
    latencies.push(performance.now() - start)
    const expected = new Set(truth[q])
    hits += found.filter((hit) => expected.has(Number(hit.id))).length
  }
  await backend.close()
  await sql.unsafe(`DROP TABLE IF EXISTS ${TABLE}`)
  const total = latencies.reduce((s, x) => s + x, 0)
  return {
    n,
    loadRowsPerSec: n / (load / 1000),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    qps: QUERIES / (total / 1000),
    recallAt10: hits / (10 * QUERIES),
    tableBytes: Number(sizes?.['total']),
    indexBytes: Number(sizes?.['hnsw']),
  }
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const memory: MemoryFigures[] = []
  const pgvector: PgFigures[] = []
  const seconds: Record<string, number> = {}
  for (const n of SIZES) {
    const start = performance.now()
    console.log(`${sizeLabel(n)}: in-memory...`)
    memory.push(memorySize(n))
    console.log(`${sizeLabel(n)}: pgvector...`)
    pgvector.push(await pgvectorSize(url, sql, n))
    seconds[sizeLabel(n)] = (performance.now() - start) / 1000
  }
  await sql.end()
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0)
  printTable(
    ['backend', 'n', 'load rows/s', 'p50 ms', 'p95 ms', 'QPS', 'recall@10', 'memory MiB'],
    [
      ...memory.map((m) => [
        'in-memory',
        sizeLabel(m.n),
        m.loadRowsPerSec.toFixed(0),
        m.p50Ms.toFixed(2),
        m.p95Ms.toFixed(2),
        m.qps.toFixed(0),
        m.recallAt10.toFixed(3),
        `${mb(m.peakRssBytes)} peak RSS`,
      ]),
      ...pgvector.map((p) => [
        'pgvector HNSW',
        sizeLabel(p.n),
        p.loadRowsPerSec.toFixed(0),
        p.p50Ms.toFixed(2),
        p.p95Ms.toFixed(2),
        p.qps.toFixed(0),
        p.recallAt10.toFixed(3),
        `${mb(p.tableBytes)} table (${mb(p.indexBytes)} HNSW)`,
      ]),
    ],
  )
  writeResult('scaling', {
    mode: quick ? 'quick' : withMillion ? 'full+1m' : 'full',
    dim: SYNTHETIC_DIM,
    queries: QUERIES,
    sizes: SIZES,
    memory,
    pgvector,
    seconds,
  })
}

await main()
