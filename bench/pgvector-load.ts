import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { Document } from '@langchain/core/documents'
import { FakeEmbeddings } from '@langchain/core/utils/testing'
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector'
import type postgres from 'postgres'
import type { VectorRecord } from '../src/index.js'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { vectorLiteral } from '../src/pgvector/vector-text.js'
import { seededRandom } from './lib/stats.js'
import { timed } from './lib/table.js'

/** Rows per second of each way to load the same rows into the same server. */
export interface LoadFigures {
  readonly rows: number
  readonly dim: number
  readonly copyRowsPerSec: number
  readonly upsertManyRowsPerSec: number
  readonly langchainRowsPerSec: number
  /** Every round's wall seconds (the rates above are the best round). */
  readonly seconds: Record<'copy' | 'upsertMany' | 'langchain', number[]>
  /** Load plus HNSW build, from an empty table: COPY then CREATE INDEX, vs upsertMany (deferred index). */
  readonly copyThenIndexSec: number
  readonly upsertManyWithIndexSec: number
}

/** The benchmark corpus: seeded random unit-range vectors, a small payload with a 1% category. */
export function makeRecords(rows: number, dim: number, seed = 1): VectorRecord[] {
  const next = seededRandom(seed)
  return Array.from({ length: rows }, (_, i) => ({
    id: `doc-${i}`,
    vector: Float32Array.from({ length: dim }, () => next() * 2 - 1),
    payload: { i, cat: Math.floor(next() * 100), even: next() < 0.5 },
  }))
}

const MAINTENANCE_WORK_MEM = '1GB'

/** Runs the load scenarios; leaves `bench_vecstore_hnsw` loaded and indexed for the search benchmark. */
export async function loadBenchmark(
  url: string,
  sql: postgres.Sql,
  records: readonly VectorRecord[],
  cacheDir: string,
): Promise<LoadFigures> {
  const dim = records[0]?.vector.length ?? 0
  for (const table of ['bench_copy', 'bench_vecstore', 'bench_langchain', 'bench_vecstore_hnsw']) {
    await sql.unsafe(`DROP TABLE IF EXISTS ${table}`)
  }
  const plain = { dsn: url, dim, index: 'none' as const, maxConnections: 2 }
  const file = await writeCopyFile(records, cacheDir)
  // Best of two rounds, the three loaders taking turns: other load on the machine hits them alike.
  const seconds = { copy: [] as number[], upsertMany: [] as number[], langchain: [] as number[] }
  for (let round = 0; round < 2; round++) {
    await sql.unsafe('DROP TABLE IF EXISTS bench_copy, bench_vecstore, bench_langchain')
    // COPY: into the table the backend creates (same columns, same GIN index), from a file.
    const copyTable = await PgvectorBackend.create({ ...plain, table: 'bench_copy' })
    await copyTable.close()
    seconds.copy.push(copyFrom(url, 'bench_copy', file))
    const backend = await PgvectorBackend.create({ ...plain, table: 'bench_vecstore' })
    const [, upsertMs] = await timed(() => backend.upsertMany(records))
    seconds.upsertMany.push(upsertMs / 1000)
    await backend.close()
    seconds.langchain.push(await langchainLoad(url, records))
  }

  // With the vector index: COPY + CREATE INDEX vs upsertMany into the empty indexed table.
  await sql.unsafe(`TRUNCATE bench_copy`)
  const copyAgainSec = copyFrom(url, 'bench_copy', file)
  const [, indexMs] = await timed(() =>
    sql.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL maintenance_work_mem = '${MAINTENANCE_WORK_MEM}'`)
      await tx.unsafe(
        `CREATE INDEX ON bench_copy USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)`,
      )
    }),
  )
  const indexed = await PgvectorBackend.create({
    dsn: url,
    dim,
    table: 'bench_vecstore_hnsw',
    maintenanceWorkMem: MAINTENANCE_WORK_MEM,
  })
  const [, indexedMs] = await timed(() => indexed.upsertMany(records))
  await indexed.close()
  await sql.unsafe(`DROP TABLE IF EXISTS bench_copy, bench_vecstore, bench_langchain`)
  return {
    rows: records.length,
    dim,
    copyRowsPerSec: records.length / Math.min(...seconds.copy),
    upsertManyRowsPerSec: records.length / Math.min(...seconds.upsertMany),
    langchainRowsPerSec: records.length / Math.min(...seconds.langchain),
    seconds,
    copyThenIndexSec: copyAgainSec + indexMs / 1000,
    upsertManyWithIndexSec: indexedMs / 1000,
  }
}

async function writeCopyFile(records: readonly VectorRecord[], cacheDir: string): Promise<string> {
  mkdirSync(cacheDir, { recursive: true })
  const file = join(cacheDir, `copy-${records.length}x${records[0]?.vector.length}.tsv`)
  const out = createWriteStream(file)
  let chunk = ''
  for (const record of records) {
    // The same vector text the backend sends, so the server parses the same bytes.
    chunk += `${record.id}\t${vectorLiteral(Float32Array.from(record.vector))}\t${JSON.stringify(record.payload)}\n`
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()))
      chunk = ''
    }
  }
  out.end(chunk)
  await finished(out)
  return file
}

/** `psql \copy ... FROM file`: wall seconds of the whole psql run. */
function copyFrom(url: string, table: string, file: string): number {
  const start = performance.now()
  const result = spawnSync(
    'psql',
    [
      url,
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `\\copy ${table} (id, embedding, payload) FROM '${file}'`,
    ],
    { encoding: 'utf8' },
  )
  if (result.status !== 0) throw new Error(`psql \\copy failed: ${result.stderr}`)
  return (performance.now() - start) / 1000
}

/** LangChain's PGVectorStore.addVectors (node-postgres, 500-row INSERTs), into its own table. */
async function langchainLoad(url: string, records: readonly VectorRecord[]): Promise<number> {
  const dim = records[0]?.vector.length ?? 0
  const store = await PGVectorStore.initialize(new FakeEmbeddings(), {
    postgresConnectionOptions: { connectionString: url },
    tableName: 'bench_langchain',
    dimensions: dim,
  })
  // An app hands LangChain number[] vectors and Documents.
  const vectors = records.map((record) => Array.from(record.vector))
  const documents = records.map(
    (record) => new Document({ pageContent: '', metadata: record.payload }),
  )
  const [, ms] = await timed(() => store.addVectors(vectors, documents))
  await store.end()
  return ms / 1000
}
