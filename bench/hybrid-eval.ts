/**
 * Hybrid search quality on text nobody here wrote: Debian's package descriptions (see
 * bench/lib/debian-descriptions.ts). Known-item search: each sampled package's synopsis is the
 * query, its long description the one relevant document among all of them. The dense side is
 * LSA trained on the descriptions (bench/lib/lsa-embedder.ts). Recall@10 and MRR@10 of
 * vector-only, text-only (BM25) and hybrid (RRF, default weights and k), for identifier-heavy
 * queries and the rest apart.
 *
 *   npx tsx bench/hybrid-eval.ts [--quick] [--queries=N] [--all-words] [--postgres=LANGUAGE]
 *
 * It runs on InMemoryVectorBackend (exact vectors): PgvectorBackend gives the same fused
 * ranking for the same data (test/integration/hybrid), up to its HNSW index's recall.
 */
import { performance } from 'node:perf_hooks'
import { InMemoryVectorBackend } from '../src/index.js'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { tokenize } from '../src/memory/bm25-query.js'
import { debianPackages, isIdentifierHeavy, plainQuery } from './lib/debian-descriptions.js'
import { LsaEmbedder } from './lib/lsa-embedder.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'

const quick = process.argv.includes('--quick')
const queryArg = process.argv.find((arg) => arg.startsWith('--queries='))
const QUERIES = queryArg ? Number(queryArg.split('=')[1]) : quick ? 300 : 2000
const DOCUMENTS = quick ? 10_000 : Infinity
const DIMENSIONS = 256
const TOP_K = 10
// --postgres=LANGUAGE: on PgvectorBackend (HNSW) with that text search configuration instead.
const postgresLanguage = process.argv.find((arg) => arg.startsWith('--postgres='))?.split('=')[1]
// A synopsis is a description, not a query of words that must all occur: any word may match.
const TEXT_MATCH = { textMatch: process.argv.includes('--all-words') ? 'all' : 'any' } as const

const all = debianPackages()
const packages = all.slice(0, Math.min(all.length, DOCUMENTS))
console.log(`${packages.length} packages with a unique long description`)

let start = performance.now()
const lsa = LsaEmbedder.train(
  packages.map((p) => p.description),
  { dimensions: DIMENSIONS },
)
const trainSeconds = (performance.now() - start) / 1000
console.log(`LSA (${DIMENSIONS} dims) trained in ${trainSeconds.toFixed(1)} s`)

start = performance.now()
const backend = postgresLanguage
  ? await PgvectorBackend.create({
      dsn: benchDatabaseUrl(),
      table: 'bench_hybrid_eval',
      dim: DIMENSIONS,
      fullText: { source: 'text', language: postgresLanguage },
    })
  : new InMemoryVectorBackend({ fullText: { source: 'text' }, dim: DIMENSIONS })
if (postgresLanguage) await backend.clearAll()
const vectors = await lsa.embed(packages.map((p) => p.description))
await backend.upsertMany(
  packages.map((p, i) => ({
    id: p.name,
    vector: vectors[i] as Float32Array,
    payload: { text: p.description },
  })),
)
console.log(`indexed in ${((performance.now() - start) / 1000).toFixed(1)} s`)

// Document frequencies, for "a package name that is rare in the corpus".
const df = new Map<string, number>()
for (const p of packages)
  for (const t of new Set(tokenize(p.description))) df.set(t, (df.get(t) ?? 0) + 1)
const names = new Set(packages.map((p) => p.name.toLowerCase()))

// A seeded sample of queries.
let state = 42
const next = () => {
  state = (state * 1103515245 + 12345) % 2147483648
  return state / 2147483648
}
const order = packages.map((_, i) => i).sort(() => next() - 0.5)
const sample = order
  .slice(0, Math.min(QUERIES, packages.length))
  .map((i) => packages[i] as (typeof packages)[number])

type Mode = 'vector' | 'text' | 'hybrid'
const MODES: Mode[] = ['vector', 'text', 'hybrid']
interface Tally {
  queries: number
  found: Record<Mode, number>
  reciprocal: Record<Mode, number>
}
const tally = (): Tally => ({
  queries: 0,
  found: { vector: 0, text: 0, hybrid: 0 },
  reciprocal: { vector: 0, text: 0, hybrid: 0 },
})
const groups = { identifier: tally(), rest: tally() }
const examples: { query: string; group: string }[] = []

start = performance.now()
for (const p of sample) {
  const text = plainQuery(p.synopsis)
  if (tokenize(text).length === 0) continue
  const group = isIdentifierHeavy(text, names, (w) => df.get(w) ?? 0, packages.length)
    ? groups.identifier
    : groups.rest
  if (examples.length < 12)
    examples.push({ query: text, group: group === groups.identifier ? 'identifier' : 'rest' })
  const [vector] = await lsa.embed([text])
  const query = { vector: vector as Float32Array, text }
  const ranked: Record<Mode, string[]> = {
    vector: (await backend.search(query.vector, TOP_K, {})).map((hit) => hit.id),
    // Text alone: the vector side weighs nothing, so only text matches score above 0.
    text: (await backend.hybridSearch(query, TOP_K, {}, { ...TEXT_MATCH, weights: { vector: 0 } }))
      .filter((hit) => hit.score > 0)
      .map((hit) => hit.id),
    hybrid: (await backend.hybridSearch(query, TOP_K, {}, TEXT_MATCH)).map((hit) => hit.id),
  }
  group.queries++
  for (const mode of MODES) {
    const rank = ranked[mode].indexOf(p.name) + 1
    if (rank > 0) {
      group.found[mode]++
      group.reciprocal[mode] += 1 / rank
    }
  }
}
const querySeconds = (performance.now() - start) / 1000
await backend.close()

const summary = Object.fromEntries(
  Object.entries(groups).map(([name, g]) => [
    name,
    {
      queries: g.queries,
      ...Object.fromEntries(
        MODES.map((mode) => [
          mode,
          { recallAt10: g.found[mode] / g.queries, mrrAt10: g.reciprocal[mode] / g.queries },
        ]),
      ),
    },
  ]),
)
console.log('\n| queries | n | vector R@10 / MRR | text R@10 / MRR | hybrid R@10 / MRR |')
console.log('| --- | --- | --- | --- | --- |')
for (const [name, g] of Object.entries(groups)) {
  const cell = (mode: Mode) =>
    `${((100 * g.found[mode]) / g.queries).toFixed(1)} / ${(g.reciprocal[mode] / g.queries).toFixed(3)}`
  console.log(
    `| ${name} | ${g.queries} | ${cell('vector')} | ${cell('text')} | ${cell('hybrid')} |`,
  )
}
console.log(`\n${sample.length} queries in ${querySeconds.toFixed(1)} s`)
writeResult('hybrid-eval', {
  backend: postgresLanguage
    ? `PgvectorBackend, language '${postgresLanguage}'`
    : 'InMemoryVectorBackend',
  textMatch: TEXT_MATCH.textMatch,
  dataset: 'Debian Translation-en (main), synopsis -> long description, unique descriptions only',
  documents: packages.length,
  dimensions: DIMENSIONS,
  trainSeconds,
  querySeconds,
  examples,
  summary,
})
