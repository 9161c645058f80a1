/**
 * PgvectorBackend against the alternatives, on one native Postgres, in one run:
 *
 *   npx tsx bench/pgvector.ts           (100k x 384 load, 1000 queries, Fashion-MNIST 60k/500)
 *   npx tsx bench/pgvector.ts --quick   (10k x 384, 200 queries, Fashion-MNIST 10k/100)
 *
 * Server: DATABASE_URL, else the benchmark's own cluster (bench/lib/postgres-url.ts). Prints a
 * table and writes bench/results/pgvector.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { loadBenchmark, makeRecords } from './pgvector-load.js'
import { latencyBenchmark, recallBenchmark } from './pgvector-search.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { printTable } from './lib/table.js'

const quick = process.argv.includes('--quick')
const SIZES = quick
  ? { rows: 10_000, dim: 384, queries: 200, corpus: 10_000, recallQueries: 100 }
  : { rows: 100_000, dim: 384, queries: 1000, corpus: 60_000, recallQueries: 500 }
const TARGETS = { copyRatio: 0.5, langchainRatio: 3, latencyRatio: 1.15, recall: 0.95 }
const root = fileURLToPath(new URL('../', import.meta.url))

async function main(): Promise<void> {
  const url = benchDatabaseUrl()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const [server] = await sql`SELECT version() AS version,
    (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector`
  console.log(
    `${quick ? 'quick' : 'full'} run on ${String(server?.['version']).split(' on ')[0]}, pgvector ${server?.['pgvector']}, ${cpus().length} CPUs`,
  )

  const records = makeRecords(SIZES.rows, SIZES.dim)
  console.log(`loading ${SIZES.rows} x ${SIZES.dim} four ways...`)
  const load = await loadBenchmark(url, sql, records, `${root}bench/.cache`)
  console.log(`top-10 latency over ${SIZES.queries} queries...`)
  const latency = await latencyBenchmark(url, sql, SIZES.dim, SIZES.queries)
  console.log(`recall on Fashion-MNIST ${SIZES.corpus} / ${SIZES.recallQueries} queries...`)
  const recall = await recallBenchmark(url, sql, SIZES.corpus, SIZES.recallQueries)
  await sql.unsafe('DROP TABLE IF EXISTS bench_vecstore_hnsw')
  await sql.end()

  const ratios = {
    upsertManyVsCopy: load.upsertManyRowsPerSec / load.copyRowsPerSec,
    upsertManyVsLangchain: load.upsertManyRowsPerSec / load.langchainRowsPerSec,
    latencyVsSameSql: latency.vecstoreMedianMs / latency.sameSqlMedianMs,
    latencyVsBareSelect: latency.vecstoreMedianMs / latency.bareSelectMedianMs,
  }
  report(load, latency, recall, ratios)
  mkdirSync(`${root}bench/results`, { recursive: true })
  const result = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    server: { version: server?.['version'], pgvector: server?.['pgvector'], cpus: cpus().length },
    load,
    latency,
    recall,
    ratios,
    targets: TARGETS,
  }
  writeFileSync(`${root}bench/results/pgvector.json`, `${JSON.stringify(result, null, 2)}\n`)
  console.log('\nwritten to bench/results/pgvector.json')
}

function report(
  load: Awaited<ReturnType<typeof loadBenchmark>>,
  latency: Awaited<ReturnType<typeof latencyBenchmark>>,
  recall: Awaited<ReturnType<typeof recallBenchmark>>,
  ratios: Record<string, number>,
): void {
  const n = (x: number, digits = 0) => x.toFixed(digits)
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED')
  console.log('')
  printTable(
    ['measure', 'value', 'target', ''],
    [
      ['COPY FROM STDIN (psql), rows/s', n(load.copyRowsPerSec), '', ''],
      ['vecstore upsertMany, rows/s', n(load.upsertManyRowsPerSec), '', ''],
      ['LangChain PGVectorStore.addVectors, rows/s', n(load.langchainRowsPerSec), '', ''],
      [
        'upsertMany / COPY',
        n(ratios['upsertManyVsCopy'] ?? 0, 2),
        '>= 0.50',
        check((ratios['upsertManyVsCopy'] ?? 0) >= TARGETS.copyRatio),
      ],
      [
        'upsertMany / LangChain',
        n(ratios['upsertManyVsLangchain'] ?? 0, 2),
        '>= 3',
        check((ratios['upsertManyVsLangchain'] ?? 0) >= TARGETS.langchainRatio),
      ],
      ['load + HNSW: COPY then CREATE INDEX, s', n(load.copyThenIndexSec, 1), '', ''],
      ['load + HNSW: upsertMany (index deferred), s', n(load.upsertManyWithIndexSec, 1), '', ''],
      ['top-10 median, vecstore, ms', n(latency.vecstoreMedianMs, 3), '', ''],
      ['top-10 median, same SQL via postgres.js, ms', n(latency.sameSqlMedianMs, 3), '', ''],
      ['top-10 median, bare SELECT via postgres.js, ms', n(latency.bareSelectMedianMs, 3), '', ''],
      [
        'vecstore / same SQL',
        n(ratios['latencyVsSameSql'] ?? 0, 3),
        '<= 1.15',
        check((ratios['latencyVsSameSql'] ?? 0) <= TARGETS.latencyRatio),
      ],
      ['vecstore / bare SELECT', n(ratios['latencyVsBareSelect'] ?? 0, 3), '', ''],
      ['top-10 p95, vecstore, ms', n(latency.vecstoreP95Ms, 3), '', ''],
      [
        'top-10 median, 1% filter, ms (hits/query)',
        `${n(latency.filteredMedianMs, 3)} (${n(latency.filteredHits, 1)})`,
        '',
        '',
      ],
      ['Fashion-MNIST load + HNSW build, s', n(recall.loadSec, 1), '', ''],
      [
        'recall@10 (ids), default HNSW, L2',
        n(recall.recallAt10, 4),
        '>= 0.95',
        check(recall.recallAt10 >= TARGETS.recall),
      ],
      ['recall@10 (distance, ann-benchmarks)', n(recall.recallAt10Distance, 4), '', ''],
      ['Fashion-MNIST top-10 median, ms', n(recall.medianMs, 3), '', ''],
    ],
  )
}

await main()
