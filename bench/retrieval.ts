/**
 * The retrieval runtime next to LangChain.js's indexing API on the same Postgres, corpus, splitter
 * and embedder: `VectorStore.index` on a PgvectorBackend against `index()` from
 * `@langchain/core/indexing` with `PostgresRecordManager` and `PGVectorStore` (both tables with
 * the same HNSW index, cosine, 256 dimensions), cleanup `incremental` on both:
 *
 *   npx tsx bench/retrieval.ts            (up to 1500 documents)
 *   npx tsx bench/retrieval.ts --quick    (up to 300 documents)
 *
 * The corpus is real text nobody here wrote: the README and docs/*.md files of the packages
 * installed under node_modules and bench/node_modules (deduplicated, in path order). Both sides split it with the same
 * RecursiveTextSplitter (LangChain's `index()` takes chunks, so its documents are split first, each
 * chunk with `metadata.source`), and embed with the same local embedder: HashingEmbedder (256)
 * wrapped to count calls and texts. Phases, side by side and interleaved: a first run into empty
 * tables (2, order swapped, median), unchanged re-runs (5, order alternating, median), and 1% changes (3 rounds, each editing
 * a different 1% of the documents, median). Writes bench/results/retrieval.json.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PostgresRecordManager } from '@langchain/community/indexes/postgres'
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector'
import { Document } from '@langchain/core/documents'
import { Embeddings } from '@langchain/core/embeddings'
import { index as langchainIndex } from '@langchain/core/indexing'
import postgres from 'postgres'
import {
  HashingEmbedder,
  type IndexResult,
  RecursiveTextSplitter,
  type SourceDocument,
  VectorStore,
} from '../src/index.js'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { median } from './lib/stats.js'
import { printTable } from './lib/table.js'

const quick = process.argv.includes('--quick')
const MAX_DOCUMENTS = quick ? 300 : 1500
const FIRST_RUNS = 2
const RERUNS = 5
const CHANGES = 3
const DIM = 256
const HNSW = { m: 16, efConstruction: 64 }
const TABLES = {
  vecstore: 'bench_retrieval_vecstore',
  vecstoreRecords: 'bench_retrieval_vecstore_records',
  langchain: 'bench_retrieval_langchain',
  langchainRecords: 'bench_retrieval_langchain_records',
} as const
const root = fileURLToPath(new URL('../', import.meta.url))
const splitter = new RecursiveTextSplitter({ chunkSize: 1000, chunkOverlap: 100 })

/** README and docs/*.md files of installed packages: real text, deduplicated, in path order. */
function corpus(): SourceDocument[] {
  const files: string[] = []
  const visit = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory() && depth < 6 && !entry.name.startsWith('.')) visit(full, depth + 1)
      else if (entry.isFile() && /\.md$/i.test(entry.name) && isDoc(full)) files.push(full)
    }
  }
  visit(join(root, 'node_modules'), 0)
  visit(join(root, 'bench', 'node_modules'), 0)
  const seen = new Set<string>()
  const documents: SourceDocument[] = []
  for (const file of files.sort()) {
    if (statSync(file).size > 200_000) continue
    const content = readFileSync(file, 'utf8')
    const hash = createHash('sha256').update(content).digest('hex')
    if (content.trim().length < 200 || seen.has(hash)) continue
    seen.add(hash)
    documents.push({ id: relative(root, file), content })
  }
  return documents.slice(0, MAX_DOCUMENTS)
}

function isDoc(path: string): boolean {
  const name = path.split('/').pop() as string
  return /^readme\.md$/i.test(name) || /\/docs\//.test(path)
}

/** The same real embedder for both sides, counting what it is asked. */
class Counter {
  readonly inner = new HashingEmbedder(DIM)
  calls = 0
  texts = 0
  async embed(texts: readonly string[]): Promise<number[][]> {
    this.calls++
    this.texts += texts.length
    return this.inner.embed(texts)
  }
  take(): { calls: number; texts: number } {
    const taken = { calls: this.calls, texts: this.texts }
    this.calls = 0
    this.texts = 0
    return taken
  }
}

class CountingEmbeddings extends Embeddings {
  constructor(readonly counter: Counter) {
    super({})
  }
  embedDocuments(texts: string[]): Promise<number[][]> {
    return this.counter.embed(texts)
  }
  async embedQuery(text: string): Promise<number[]> {
    return (await this.counter.embed([text]))[0] as number[]
  }
}

interface Measure {
  readonly seconds: number
  readonly calls: number
  readonly texts: number
  readonly counts: Omit<IndexResult, 'numEmbedded'>
}

interface Side {
  readonly name: 'vecstore' | 'langchain'
  run(documents: readonly SourceDocument[]): Promise<Measure>
  close(): Promise<void>
}

async function vecstoreSide(url: string): Promise<Side> {
  const counter = new Counter()
  const backend = await PgvectorBackend.create({
    dsn: url,
    table: TABLES.vecstore,
    records: TABLES.vecstoreRecords,
    dim: DIM,
    metric: 'cosine',
    ...HNSW,
  })
  const embedder = {
    model: counter.inner.model,
    dimensions: DIM,
    embed: (t: readonly string[]) => counter.embed(t),
  }
  const store = new VectorStore(backend, { embedder, splitter })
  return {
    name: 'vecstore',
    run: async (documents) => {
      const start = performance.now()
      const { numEmbedded: _, ...counts } = await store.index(documents, { cleanup: 'incremental' })
      return { seconds: (performance.now() - start) / 1000, ...counter.take(), counts }
    },
    close: () => store.close(),
  }
}

async function langchainSide(url: string): Promise<Side> {
  const counter = new Counter()
  const connection = { postgresConnectionOptions: { connectionString: url } }
  const vectorStore = await PGVectorStore.initialize(new CountingEmbeddings(counter), {
    ...connection,
    tableName: TABLES.langchain,
    dimensions: DIM,
    distanceStrategy: 'cosine',
  })
  await vectorStore.createHnswIndex({ dimensions: DIM, ...HNSW, namespace: TABLES.langchain })
  const recordManager = new PostgresRecordManager('bench', {
    ...connection,
    tableName: TABLES.langchainRecords,
  })
  await recordManager.createSchema()
  return {
    name: 'langchain',
    run: async (documents) => {
      const start = performance.now()
      // index() takes chunks: the same splitter, each chunk naming its source.
      const chunks: Document[] = []
      for (const document of documents) {
        for (const text of splitter.split(document.content)) {
          chunks.push(new Document({ pageContent: text, metadata: { source: document.id } }))
        }
      }
      const counts = await langchainIndex({
        docsSource: chunks,
        recordManager,
        vectorStore,
        options: { cleanup: 'incremental', sourceIdKey: 'source' },
      })
      return { seconds: (performance.now() - start) / 1000, ...counter.take(), counts }
    },
    close: async () => {
      await vectorStore.end()
      await recordManager.end()
    },
  }
}

/** A different 1% of the documents each round: one paragraph in the middle gets a sentence more. */
function changeOnePercent(documents: SourceDocument[], round: number): number {
  let changed = 0
  for (let i = round; i < documents.length; i += 100) {
    const document = documents[i] as SourceDocument
    const paragraphs = document.content.split('\n\n')
    const middle = Math.floor(paragraphs.length / 2)
    paragraphs[middle] = `${paragraphs[middle]} Revised in round ${round}.`
    documents[i] = { ...document, content: paragraphs.join('\n\n') }
    changed++
  }
  return changed
}

async function dropTables(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  for (const table of Object.values(TABLES)) await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`)
  await sql.end()
}

const url = benchDatabaseUrl()
const documents = corpus()
const chunkCount = documents.reduce((n, d) => n + splitter.split(d.content).length, 0)
console.log(
  `corpus: ${documents.length} documents, ${chunkCount} chunks (node_modules README/docs)`,
)
const phases: Record<string, Record<string, Measure[]>> = { first: {}, rerun: {}, change: {} }
const record = (phase: string, side: Side, measure: Measure) => {
  ;(phases[phase] as Record<string, Measure[]>)[side.name] ??= []
  ;(phases[phase] as Record<string, Measure[]>)[side.name]?.push(measure)
  console.log(
    phase,
    side.name,
    measure.seconds.toFixed(2),
    's',
    measure.texts,
    'texts embedded',
    JSON.stringify(measure.counts),
  )
}
// First runs into empty tables, twice, the order swapped: the second pair's tables stay for the rest.
let sides: Side[] = []
for (let i = 0; i < FIRST_RUNS; i++) {
  for (const side of sides) await side.close()
  await dropTables(url)
  sides = [await vecstoreSide(url), await langchainSide(url)]
  for (const side of i % 2 === 0 ? sides : [...sides].reverse())
    record('first', side, await side.run(documents))
}
for (let i = 0; i < RERUNS; i++) {
  for (const side of i % 2 === 0 ? sides : [...sides].reverse())
    record('rerun', side, await side.run(documents))
}
let changedDocuments = 0
for (let round = 0; round < CHANGES; round++) {
  changedDocuments = changeOnePercent(documents, round + 1)
  for (const side of round % 2 === 0 ? sides : [...sides].reverse())
    record('change', side, await side.run(documents))
}
for (const side of sides) await side.close()

const summary = Object.entries(phases).map(([phase, bySide]) => {
  const of = (name: string) => bySide[name] as Measure[]
  const seconds = (name: string) => median(of(name).map((m) => m.seconds))
  const texts = (name: string) => median(of(name).map((m) => m.texts))
  const calls = (name: string) => median(of(name).map((m) => m.calls))
  return {
    phase,
    runs: of('vecstore').length,
    vecstore: { seconds: seconds('vecstore'), texts: texts('vecstore'), calls: calls('vecstore') },
    langchain: {
      seconds: seconds('langchain'),
      texts: texts('langchain'),
      calls: calls('langchain'),
    },
    timeRatio: seconds('vecstore') / seconds('langchain'),
  }
})
printTable(
  [
    'phase',
    'runs',
    'vecstore s',
    'LangChain s',
    'ratio',
    'vecstore texts (calls)',
    'LangChain texts (calls)',
  ],
  summary.map((row) => [
    row.phase,
    String(row.runs),
    row.vecstore.seconds.toFixed(2),
    row.langchain.seconds.toFixed(2),
    row.timeRatio.toFixed(3),
    `${row.vecstore.texts} (${row.vecstore.calls})`,
    `${row.langchain.texts} (${row.langchain.calls})`,
  ]),
)
writeResult('retrieval', {
  documents: documents.length,
  chunks: chunkCount,
  changedDocumentsPerRound: changedDocuments,
  summary,
  phases,
})
