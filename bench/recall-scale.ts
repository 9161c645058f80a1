/**
 * Million-row builds and tuned recall on the clustered 384-dim set (bench/lib/synthetic.ts), in
 * steps that each fit one short locked run and reuse the table the load step leaves:
 *
 *   npx tsx bench/recall-scale.ts --step=load  [--rows=1000000]   upsertMany into an empty table
 *   npx tsx bench/recall-scale.ts --step=copy  [--rows=1000000]   psql \copy + CREATE INDEX
 *     (each step: [--m=16] [--ef-construction=64], the HNSW build, also in result file names)
 *   npx tsx bench/recall-scale.ts --step=tune  [--rows=1000000]   defaults vs tune({ recall: 0.95 })
 *   npx tsx bench/recall-scale.ts --step=drop  [--rows=1000000]   drops the tables
 *
 * Both builds use the same index (HNSW, m 16 and ef_construction 64 unless given), maintenance_work_mem and
 * parallel maintenance workers; the COPY baseline reads a file in PostgreSQL's binary COPY format
 * holding the same bytes the backend streams. Writes bench/results/recall-scale-<step>-<size>.json (size: 10k, 100k, 1M).
 * Not part of `npm run bench`: at 1M each build takes about ten minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import postgres from 'postgres'
import { PgvectorBackend, tune } from '../src/pgvector/index.js'
import { binaryCopyChunks } from '../src/pgvector/copy-binary.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { measureRecall } from './lib/recall-pass.js'
import {
  sizeLabel,
  SYNTHETIC_CACHE_DIR,
  SYNTHETIC_DIM,
  syntheticCorpus,
  syntheticQueries,
  syntheticRow,
} from './lib/synthetic.js'

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const STEP = arg('step') ?? 'load'
const ROWS = Number(arg('rows') ?? 1_000_000)
const LABEL = sizeLabel(ROWS)
const LOADED = `recall_scale_${LABEL.toLowerCase()}`
const COPIED = `recall_scale_copy_${LABEL.toLowerCase()}`
/** The same build settings for both paths. */
const MAINTENANCE_WORK_MEM = '4GB'
const MAINTENANCE_WORKERS = 1
const M = Number(arg('m') ?? 16)
const EF_CONSTRUCTION = Number(arg('ef-construction') ?? 64)
/** Result files of another build are named after it (give the tune step the same flags). */
const BUILD = M === 16 && EF_CONSTRUCTION === 64 ? '' : `-m${M}-efc${EF_CONSTRUCTION}`
const TUNE_QUERIES = 100
const CHECK_QUERIES = 100

function records(n: number) {
  const corpus = syntheticCorpus(n)
  return Array.from({ length: n }, (_, i) => ({
    id: String(i),
    vector: syntheticRow(corpus, i),
    payload: {},
  }))
}

async function indexBytes(sql: postgres.Sql, table: string): Promise<number> {
  const [row] = await sql`SELECT pg_relation_size(${`${table}_embedding_idx`}::regclass) AS bytes`
  return Number(row?.['bytes'])
}

async function loadStep(url: string, sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`DROP TABLE IF EXISTS ${LOADED}`)
  const backend = await PgvectorBackend.create({
    dsn: url,
    table: LOADED,
    dim: SYNTHETIC_DIM,
    m: M,
    efConstruction: EF_CONSTRUCTION,
    maintenanceWorkMem: MAINTENANCE_WORK_MEM,
    maintenanceWorkers: MAINTENANCE_WORKERS,
  })
  const rows = records(ROWS)
  console.log(`upsertMany of ${ROWS} rows into the empty indexed table...`)
  const start = performance.now()
  await backend.upsertMany(rows)
  const seconds = (performance.now() - start) / 1000
  await backend.close()
  const figures = {
    rows: ROWS,
    m: M,
    efConstruction: EF_CONSTRUCTION,
    seconds,
    rowsPerSec: ROWS / seconds,
  }
  console.log(figures)
  writeResult(`recall-scale-load-${LABEL}${BUILD}`, {
    ...figures,
    indexBytes: await indexBytes(sql, LOADED),
    maintenanceWorkMem: MAINTENANCE_WORK_MEM,
    maintenanceWorkers: MAINTENANCE_WORKERS,
  })
}

async function copyStep(url: string, sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`DROP TABLE IF EXISTS ${COPIED}`)
  // The same table the backend creates (columns, GIN index), without the vector index yet.
  await (
    await PgvectorBackend.create({ dsn: url, table: COPIED, dim: SYNTHETIC_DIM, index: 'none' })
  ).close()
  mkdirSync(SYNTHETIC_CACHE_DIR, { recursive: true })
  const file = join(SYNTHETIC_CACHE_DIR, `recall-scale-${ROWS}.copy`)
  const out = createWriteStream(file)
  for (const chunk of binaryCopyChunks(records(ROWS))) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  out.end()
  await finished(out)
  console.log(`psql \\copy of ${ROWS} rows, then CREATE INDEX...`)
  const start = performance.now()
  const copy = spawnSync(
    'psql',
    [
      url,
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy ${COPIED} (id, embedding, payload) FROM '${file}' WITH (FORMAT binary)`,
    ],
    { encoding: 'utf8' },
  )
  if (copy.status !== 0) throw new Error(`psql \\copy failed: ${copy.stderr}`)
  const copySeconds = (performance.now() - start) / 1000
  await sql.begin(async (tx) => {
    await tx.unsafe(`SET LOCAL maintenance_work_mem = '${MAINTENANCE_WORK_MEM}'`)
    await tx.unsafe(`SET LOCAL max_parallel_maintenance_workers = ${MAINTENANCE_WORKERS}`)
    await tx.unsafe(
      `CREATE INDEX ${COPIED}_embedding_idx ON ${COPIED} USING hnsw (embedding vector_cosine_ops) WITH (m = ${M}, ef_construction = ${EF_CONSTRUCTION})`,
    )
  })
  const seconds = (performance.now() - start) / 1000
  rmSync(file)
  const figures = {
    rows: ROWS,
    m: M,
    efConstruction: EF_CONSTRUCTION,
    copySeconds,
    seconds,
    rowsPerSec: ROWS / seconds,
  }
  console.log(figures)
  writeResult(`recall-scale-copy-${LABEL}${BUILD}`, {
    ...figures,
    indexBytes: await indexBytes(sql, COPIED),
    maintenanceWorkMem: MAINTENANCE_WORK_MEM,
    maintenanceWorkers: MAINTENANCE_WORKERS,
  })
  await sql.unsafe(`DROP TABLE IF EXISTS ${COPIED}`)
}

async function tuneStep(url: string): Promise<void> {
  const all = syntheticQueries(TUNE_QUERIES + CHECK_QUERIES)
  const queries = Array.from({ length: TUNE_QUERIES + CHECK_QUERIES }, (_, i) =>
    syntheticRow(all, i),
  )
  const tuning = queries.slice(0, TUNE_QUERIES)
  const check = queries.slice(TUNE_QUERIES)
  // A backend opened before tuning, with pgvector's defaults (ef_search 40).
  const plain = await PgvectorBackend.create({ dsn: url, table: LOADED })
  await plain.clearTuning()
  console.log(`exact top 10 of ${CHECK_QUERIES} check queries...`)
  const truth: string[][] = []
  for (const query of check) {
    truth.push((await plain.search(query, 10, {}, { exact: true })).map((hit) => hit.id))
  }
  // The exact passes pushed the index out of shared buffers: a first round warms it again.
  await measureRecall(plain, check, truth)
  const defaults = await measureRecall(plain, check, truth)
  console.log('defaults', defaults)
  console.log(`tune({ recall: 0.95 }) on ${TUNE_QUERIES} other queries...`)
  const start = performance.now()
  const result = await tune(plain, { recall: 0.95, queries: tuning })
  const tuneSeconds = (performance.now() - start) / 1000
  await plain.close()
  console.log(result.chart)
  // A fresh backend reads the stored setting from the table.
  const reopened = await PgvectorBackend.create({ dsn: url, table: LOADED })
  const tuned = await measureRecall(reopened, check, truth)
  console.log('tuned', tuned)
  const stats = await reopened.stats()
  await reopened.close()
  writeResult(`recall-scale-tune-${LABEL}${BUILD}`, {
    rows: ROWS,
    tuneQueries: TUNE_QUERIES,
    checkQueries: CHECK_QUERIES,
    tuneSeconds,
    defaults,
    tuned,
    setting: result.setting,
    curve: result.curve,
    tableBytes: stats.sizes,
  })
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    if (STEP === 'load') await loadStep(url, sql)
    else if (STEP === 'copy') await copyStep(url, sql)
    else if (STEP === 'tune') await tuneStep(url)
    else if (STEP === 'drop') await sql.unsafe(`DROP TABLE IF EXISTS ${LOADED}, ${COPIED}`)
    else throw new Error(`unknown --step=${STEP}`)
  } finally {
    await sql.end()
  }
}

await main()
