// InMemoryVectorBackend against the memory-bandwidth bound and LangChain's MemoryVectorStore,
// plus snapshot durability and load speed. `npx tsx bench/memory.ts [--quick]`
import { execFileSync } from 'node:child_process'
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Document } from '@langchain/core/documents'
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory'
import { InMemoryVectorBackend } from '../src/index.js'
import { fmt, median, randomVectors, timeEach } from './lib/stats.js'

const quick = process.argv.includes('--quick')
const N = quick ? 20_000 : 100_000
const DIM = 384
const QUERIES = quick ? 20 : 50
const work = mkdtempSync(join(tmpdir(), 'vecstore-bench-'))
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  n: N,
  dim: DIM,
}

function row(i: number, data: Float32Array): Float32Array {
  return data.subarray(i * DIM, (i + 1) * DIM)
}

/** Median time of one native dot-product pass over the same bytes (gcc -O3 -march=native). */
function nativeScanMs(data: Float32Array): number {
  const binary = join(work, 'scan')
  const source = new URL('./native/scan.c', import.meta.url).pathname
  execFileSync('gcc', ['-O3', '-march=native', '-ffast-math', '-o', binary, source])
  const file = join(work, 'vectors.f32')
  writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength))
  const out = execFileSync(binary, [file, String(N), String(DIM), '30'], { encoding: 'utf8' })
  return Number(out.split(' ')[0])
}

async function searchBench(data: Float32Array, queries: Float32Array) {
  const backend = new InMemoryVectorBackend({ metric: 'cosine' })
  const records = Array.from({ length: N }, (_, i) => ({
    id: `v${i}`,
    vector: row(i, data),
    payload: { i },
  }))
  let start = performance.now()
  for (let i = 0; i < N; i += 10_000) await backend.upsertMany(records.slice(i, i + 10_000))
  const loadMs = performance.now() - start
  const times = await timeEach(QUERIES, (q) => backend.search(row(q, queries), 10, {}), 5)
  const filtered = await timeEach(
    QUERIES,
    (q) => backend.search(row(q, queries), 10, { i: { $lt: N / 10 } }),
    2,
  )

  const lc = new MemoryVectorStore({
    embedQuery: async () => [],
    embedDocuments: async () => [],
  } as never)
  start = performance.now()
  const arrays = Array.from({ length: N }, (_, i) => Array.from(row(i, data)))
  await lc.addVectors(
    arrays,
    arrays.map((_, i) => new Document({ pageContent: '', metadata: { i } })),
  )
  const lcLoadMs = performance.now() - start
  const lcReps = quick ? 5 : 7
  const lcTimes = await timeEach(
    lcReps,
    (q) => lc.similaritySearchVectorWithScore(Array.from(row(q, queries)), 10),
    1,
  )
  // Same answers: the benchmark compares equal work.
  const ours = (await backend.search(row(0, queries), 10, {})).map((h) => h.payload['i'])
  const theirs = (await lc.similaritySearchVectorWithScore(Array.from(row(0, queries)), 10)).map(
    ([d]) => d.metadata['i'],
  )
  if (JSON.stringify(ours) !== JSON.stringify(theirs))
    throw new Error('top-10 differs from MemoryVectorStore')
  return {
    loadMs,
    searchMs: median(times),
    filteredMs: median(filtered),
    lcLoadMs,
    lcSearchMs: median(lcTimes),
  }
}

/** Durable upserts per second at 10k entries: the journal vs rewriting the whole JSON per write. */
async function snapshotBench(data: Float32Array) {
  const base = 10_000
  const path = join(work, 'snap', 'index.json')
  mkdirSync(join(work, 'snap'))
  const backend = new InMemoryVectorBackend({ snapshotPath: path })
  await backend.upsertMany(
    Array.from({ length: base }, (_, i) => ({ id: `v${i}`, vector: row(i, data), payload: { i } })),
  )
  const writes = quick ? 200 : 1000
  const ours = await timeEach(writes, (i) => backend.upsert(`w${i}`, row(base + i, data), { i }), 0)
  await backend.close()

  // The original library's way: keep dicts, rewrite the whole JSON file after every write.
  const vectors: Record<string, number[]> = {}
  const payloads: Record<string, object> = {}
  for (let i = 0; i < base; i++) {
    vectors[`v${i}`] = Array.from(row(i, data))
    payloads[`v${i}`] = { i }
  }
  const rewrite = await timeEach(
    quick ? 5 : 10,
    async (i) => {
      vectors[`w${i}`] = Array.from(row(base + i, data))
      payloads[`w${i}`] = { i }
      const fd = openSync(join(work, 'baseline.json'), 'w')
      writeSync(fd, JSON.stringify({ vectors, payloads }))
      fsyncSync(fd)
      closeSync(fd)
    },
    0,
  )
  const oursPerSec = 1000 / median(ours)
  const baselinePerSec = 1000 / median(rewrite)
  return { oursPerSec, baselinePerSec, ratio: oursPerSec / baselinePerSec }
}

async function loadBench(data: Float32Array) {
  const path = join(work, 'load', 'index.json')
  mkdirSync(join(work, 'load'))
  const backend = new InMemoryVectorBackend({
    snapshotPath: path,
    fsync: false,
    compactionThresholdBytes: 0,
  })
  const records = Array.from({ length: N }, (_, i) => ({
    id: `v${i}`,
    vector: row(i, data),
    payload: { i },
  }))
  for (let i = 0; i < N; i += 10_000) await backend.upsertMany(records.slice(i, i + 10_000))
  await backend.close()
  const times = await timeEach(
    3,
    async () => {
      const loaded = new InMemoryVectorBackend({ snapshotPath: path })
      if ((await loaded.count({})) !== N) throw new Error('snapshot lost entries')
      await loaded.close()
    },
    0,
  )
  return { loadMs: median(times) }
}

const data = randomVectors(N + 2_000, DIM, 1)
const corpus = data.subarray(0, N * DIM)
const queries = randomVectors(QUERIES + 5, DIM, 2)
try {
  const nativeMs = nativeScanMs(corpus)
  const search = await searchBench(corpus, queries)
  const snapshot = await snapshotBench(data)
  const load = await loadBench(corpus)
  Object.assign(results, { nativeMs, search, snapshot, load })
  const table = [
    ['native scan (bandwidth bound)', `${fmt(nativeMs)} ms`, ''],
    [
      'vecstore search, top-10',
      `${fmt(search.searchMs)} ms`,
      `${fmt(search.searchMs / nativeMs)}x the bound (goal <= 3x)`,
    ],
    ['vecstore search, 10% filter', `${fmt(search.filteredMs)} ms`, ''],
    [
      'LangChain MemoryVectorStore',
      `${fmt(search.lcSearchMs)} ms`,
      `vecstore ${fmt(search.lcSearchMs / search.searchMs, 1)}x faster (goal >= 20x)`,
    ],
    [
      'durable upserts/s at 10k (journal)',
      fmt(snapshot.oursPerSec, 0),
      `${fmt(snapshot.ratio, 0)}x rewrite-per-write (goal >= 100x)`,
    ],
    ['durable upserts/s (rewrite JSON)', fmt(snapshot.baselinePerSec, 1), ''],
    [`snapshot load, ${N} x ${DIM}`, `${fmt(load.loadMs)} ms`, 'goal < 2000 ms at 100k'],
  ]
  console.log(
    `InMemoryVectorBackend, ${N} x ${DIM}, cosine, ${QUERIES} queries (${quick ? 'quick' : 'full'})`,
  )
  for (const [name, value, note] of table)
    console.log(`${(name as string).padEnd(38)} ${(value as string).padStart(14)}  ${note}`)
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/memory.json', import.meta.url), JSON.stringify(results, null, 2))
} finally {
  rmSync(work, { recursive: true, force: true })
}
