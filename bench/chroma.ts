// ChromaBackend against the raw chromadb client making the same calls on the same local
// server, interleaved call by call: upsert, top-10 query, filtered top-10 query. A third side,
// the raw client writing and reading vecstore's metadata layout the way ChromaBackend does,
// splits the overhead into the data layout (raw -> layout) and vecstore's own code (layout ->
// ChromaBackend). `npx tsx bench/chroma.ts [--quick]`
import { mkdirSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { ChromaClient } from 'chromadb'
import { ChromaBackend, startLocalChromaServer } from '../src/chroma/index.js'
import { toMetadata } from '../src/chroma/payload-mapping.js'
import { compileFilter } from '../src/chroma/where.js'
import { parseFilter } from '../src/core/filter.js'
import { InMemoryVectorBackend, type Payload } from '../src/index.js'
import { fmt, median, percentile, randomVectors } from './lib/stats.js'

const quick = process.argv.includes('--quick')
const SIZES = quick ? [1_000] : [1_000, 10_000]
const DIM = 384
const K = 10
const QUERIES = quick ? 60 : 300
// Loads are long and noisy on a shared machine: more repetitions for the small one.
const upsertReps = (n: number) => (quick ? 8 : n <= 1_000 ? 15 : 9)
const BATCH = 1_000
const TARGET = 1.15

interface Side {
  readonly name: string
  upsert(records: readonly Rec[]): Promise<void>
  query(vector: number[]): Promise<unknown>
  /** The ids a top-k query returns (for recall). */
  nearestIds(vector: number[]): Promise<string[]>
  filtered(vector: number[]): Promise<unknown>
  close(): Promise<void>
}
interface Rec {
  readonly id: string
  readonly vector: number[]
  readonly payload: Payload
}

const server = await startLocalChromaServer()
const target = { host: server.host, port: server.port }
const raw = new ChromaClient(target)
let made = 0

async function rawSide(): Promise<Side> {
  const collection = await raw.createCollection({
    name: `raw-${made++}`,
    configuration: { hnsw: { space: 'cosine' } },
    embeddingFunction: null,
  })
  return {
    name: 'raw chromadb',
    upsert: (records) =>
      upsertInBatches(collection, records, (p) => p as Record<string, string | number | boolean>),
    query: (vector) => collection.query({ queryEmbeddings: [vector], nResults: K }),
    nearestIds: async (vector) =>
      (await collection.query({ queryEmbeddings: [vector], nResults: K })).ids[0] ?? [],
    filtered: (vector) =>
      collection.query({ queryEmbeddings: [vector], nResults: K, where: { g: 'g3' } }),
    close: async () => raw.deleteCollection({ name: collection.name }),
  }
}

// The raw client's upsert, in the batches every side uses; `metadata` is the only difference.
async function upsertInBatches(
  collection: Awaited<ReturnType<typeof raw.createCollection>>,
  records: readonly Rec[],
  metadata: (payload: Payload) => Record<string, string | number | boolean>,
): Promise<void> {
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH)
    await collection.upsert({
      ids: batch.map((r) => r.id),
      embeddings: batch.map((r) => r.vector),
      metadatas: batch.map((r) => metadata(r.payload)),
    })
  }
}

// The raw client with ChromaBackend's metadata and call shapes (one more result, the compiled where).
async function layoutSide(): Promise<Side> {
  const collection = await raw.createCollection({
    name: `layout-${made++}`,
    configuration: { hnsw: { space: 'cosine' } },
    embeddingFunction: null,
  })
  const compiled = compileFilter(parseFilter({ g: 'g3' }))
  const where = compiled.kind === 'where' ? compiled.where : undefined
  const include: ('metadatas' | 'distances')[] = ['metadatas', 'distances']
  const query = (vector: number[], filtered: boolean) =>
    collection.query({
      queryEmbeddings: [vector],
      nResults: K + 1,
      ...(filtered && where && { where }),
      include,
    })
  return {
    name: 'raw, vecstore layout',
    upsert: (records) => upsertInBatches(collection, records, toMetadata),
    query: (vector) => query(vector, false),
    nearestIds: async (vector) => ((await query(vector, false)).ids[0] ?? []).slice(0, K),
    filtered: (vector) => query(vector, true),
    close: async () => raw.deleteCollection({ name: collection.name }),
  }
}

async function vecstoreSide(): Promise<Side> {
  const name = `vecstore-${made++}`
  const backend = await ChromaBackend.create(name, { ...target, metric: 'cosine' })
  return {
    name: 'ChromaBackend',
    upsert: async (records) => {
      for (let i = 0; i < records.length; i += BATCH) {
        await backend.upsertMany(records.slice(i, i + BATCH))
      }
    },
    query: (vector) => backend.search(vector, K, {}),
    nearestIds: async (vector) => (await backend.search(vector, K, {})).map((hit) => hit.id),
    filtered: (vector) => backend.search(vector, K, { g: 'g3' }),
    close: async () => {
      await backend.close()
      await raw.deleteCollection({ name })
    },
  }
}

function makeRecords(n: number, seed: number): Rec[] {
  const data = randomVectors(n, DIM, seed)
  return Array.from({ length: n }, (_, i) => ({
    id: `doc-${seed}-${i}`,
    vector: Array.from(data.subarray(i * DIM, (i + 1) * DIM)),
    payload: { g: `g${i % 10}`, n: i, even: i % 2 === 0, source: `file-${i % 97}.md` },
  }))
}

/** Times `call` on every side per repetition, rotating which goes first; ms per call per side. */
async function interleaved(
  sides: readonly Side[],
  reps: number,
  call: (side: Side, rep: number) => Promise<unknown>,
  offset = 0,
): Promise<number[][]> {
  const times = sides.map((): number[] => [])
  for (let rep = 0; rep < reps; rep++) {
    for (let j = 0; j < sides.length; j++) {
      const s = (rep + offset + j) % sides.length
      const start = performance.now()
      await call(sides[s] as Side, rep)
      times[s]?.push(performance.now() - start)
    }
  }
  return times
}

async function makeSides(): Promise<Side[]> {
  return [await rawSide(), await layoutSide(), await vecstoreSide()]
}

async function benchUpsert(n: number): Promise<number[][]> {
  const times: number[][] = [[], [], []]
  for (let rep = 0; rep < upsertReps(n); rep++) {
    const records = makeRecords(n, 100 + rep)
    const sides = await makeSides()
    // One load per side per repetition; which side goes first rotates between repetitions.
    const run = await interleaved(sides, 1, (side) => side.upsert(records), rep)
    run.forEach((ms, s) => times[s]?.push(...ms))
    for (const side of sides) await side.close()
  }
  return times
}

/** Recall@K of each side against exact search (InMemoryVectorBackend) over 50 queries. */
async function recallAtK(records: readonly Rec[], queries: readonly Rec[], sides: readonly Side[]) {
  const exact = new InMemoryVectorBackend({ metric: 'cosine' })
  await exact.upsertMany(records)
  const found = sides.map(() => 0)
  const sample = queries.slice(0, 50)
  for (const query of sample) {
    const truth = new Set((await exact.search(query.vector, K, {})).map((hit) => hit.id))
    for (const [i, side] of sides.entries()) {
      const ids = await side.nearestIds(query.vector)
      found[i] = (found[i] as number) + ids.filter((id) => truth.has(id)).length
    }
  }
  return Object.fromEntries(
    sides.map((side, i) => [side.name, (found[i] as number) / (sample.length * K)]),
  )
}

/**
 * Medians per side, and medians of paired ratios: each repetition times all
 * sides back to back, so a ratio per repetition cancels drift in machine load.
 */
function summarize(label: string, n: number, [rawMs, layoutMs, oursMs]: number[][]) {
  const r = rawMs as number[]
  const l = layoutMs as number[]
  const o = oursMs as number[]
  return {
    operation: label,
    n,
    samples: r.length,
    rawMedianMs: median(r),
    rawP95Ms: percentile(r, 95),
    layoutMedianMs: median(l),
    vecstoreMedianMs: median(o),
    vecstoreP95Ms: percentile(o, 95),
    ratioOfMedians: median(o) / median(r),
    medianPairedRatio: median(o.map((ms, i) => ms / (r[i] as number))),
    layoutPairedRatio: median(l.map((ms, i) => ms / (r[i] as number))),
    codePairedRatio: median(o.map((ms, i) => ms / (l[i] as number))),
  }
}

const rows: ReturnType<typeof summarize>[] = []
const recall: Record<string, Record<string, number>> = {}
try {
  for (const n of SIZES) {
    rows.push(summarize(`upsert ${n}×${DIM} (batches of ${BATCH})`, n, await benchUpsert(n)))
    const records = makeRecords(n, 7)
    const queries = makeRecords(QUERIES, 99)
    const sides = await makeSides()
    for (const side of sides) await side.upsert(records)
    await interleaved(sides, 10, (side, i) => side.query(queries[i]?.vector as number[]))
    const q = await interleaved(sides, QUERIES, (side, i) =>
      side.query(queries[i]?.vector as number[]),
    )
    rows.push(summarize(`query top-${K}`, n, q))
    const f = await interleaved(sides, QUERIES, (side, i) =>
      side.filtered(queries[i]?.vector as number[]),
    )
    rows.push(summarize(`filtered top-${K} (10% match)`, n, f))
    recall[`${n}`] = await recallAtK(records, queries, [sides[0] as Side, sides[2] as Side])
    for (const side of sides) await side.close()
  }
} finally {
  await server.stop()
}

function ms(medianMs: number, p95Ms: number): string {
  return `${fmt(medianMs).padStart(10)} (${fmt(p95Ms).padStart(8)})`
}

console.log(
  `\nChromaBackend vs raw chromadb on one local server (Chroma ${server.serverVersion}, ${server.binding}); target ratio <= ${TARGET}`,
)
console.log(
  `${'operation'.padEnd(36)} ${'n'.padStart(6)} ${'raw ms (p95)'.padStart(21)} ${'vecstore ms (p95)'.padStart(21)} ${'ratio'.padStart(6)} ${'paired'.padStart(6)} ${'layout'.padStart(6)} ${'code'.padStart(6)}`,
)
for (const r of rows) {
  const verdict = Math.max(r.ratioOfMedians, r.medianPairedRatio) <= TARGET ? '' : `  > ${TARGET}`
  const ratios = [r.ratioOfMedians, r.medianPairedRatio, r.layoutPairedRatio, r.codePairedRatio]
  console.log(
    `${r.operation.padEnd(36)} ${String(r.n).padStart(6)} ${ms(r.rawMedianMs, r.rawP95Ms)} ${ms(r.vecstoreMedianMs, r.vecstoreP95Ms)} ${ratios.map((x) => fmt(x, 3).padStart(6)).join(' ')}${verdict}`,
  )
}
console.log(
  'ratio: median vecstore / median raw. paired: median of per-repetition vecstore / raw.\n' +
    'layout: raw client with vecstore metadata and calls / raw. code: vecstore / that (own code).',
)
console.log(`recall@${K} against exact search (same engine, same HNSW): ${JSON.stringify(recall)}`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
const report = {
  date: new Date().toISOString(),
  node: process.version,
  quick,
  dim: DIM,
  k: K,
  queries: QUERIES,
  server: server.serverVersion,
  binding: server.binding,
  target: TARGET,
  rows,
  recall,
}
writeFileSync(
  new URL('./results/chroma.json', import.meta.url),
  `${JSON.stringify(report, null, 2)}\n`,
)
