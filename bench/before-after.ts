/**
 * The cost of complete searches and exact scores: the library at a git ref ("before", default
 * the commit where this branch left `main`, so the figures are this branch's alone) against the
 * working tree ("after"), both compiled and loaded in this one process, on the same data,
 * queries taking turns:
 *
 *   npx tsx bench/before-after.ts [--before=REF] [--quick] [--chroma-size=N]
 *
 * - unfiltered top-10 latency, 100k x 384 (synthetic clustered set, cosine): in-memory, pgvector
 *   with its default HNSW index, Chroma (`--chroma-size`, default 100k);
 * - a filtered search that needs completing: the index scan comes back short, and after
 *   completes it with one exact pass over the matching rows. Reported with that exact pass alone,
 *   so (after - before) / exact pass says how many exact passes completing costs.
 *
 * Postgres: DATABASE_URL or the benchmark's own cluster; the 100k table is loaded once and kept
 * (`bench_before_after`). Chroma: a local server on a temp dir, loaded on each run.
 * Writes bench/results/before-after.json.
 */
import { PgDialect } from 'drizzle-orm/pg-core'
import postgres from 'postgres'
import { ChromaClient } from 'chromadb'
import { type Build, buildLibrary, mergeBase } from './lib/two-builds.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { median, percentile } from './lib/stats.js'
import { SYNTHETIC_DIM, syntheticCorpus, syntheticQueries, syntheticRow } from './lib/synthetic.js'
import { printTable } from './lib/table.js'

type Root = typeof import('../src/index.js')
type Pg = typeof import('../src/pgvector/index.js')
type Chroma = typeof import('../src/chroma/index.js')
interface Library {
  readonly build: Build
  readonly root: Root
  readonly pg: Pg
  readonly chroma: Chroma
}

const quick = process.argv.includes('--quick')
const beforeRef = argument('before') ?? mergeBase('main')
const N = quick ? 20_000 : 100_000
const CHROMA_N = Number(argument('chroma-size') ?? N)
const QUERIES = quick ? 60 : 300
const COMPLETING_QUERIES = quick ? 20 : 50
const TABLE = `bench_before_after_${N}`

function argument(name: string): string | undefined {
  return process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
}

async function load(build: Build): Promise<Library> {
  return {
    build,
    root: (await import(`${build.dist}/index.js`)) as Root,
    pg: (await import(`${build.dist}/pgvector/index.js`)) as Pg,
    chroma: (await import(`${build.dist}/chroma/index.js`)) as Chroma,
  }
}

/** Latency figures of one side. */
interface Side {
  readonly medianMs: number
  readonly p95Ms: number
}
interface Comparison {
  readonly before: Side
  readonly after: Side
  /** after / before, of the medians. */
  readonly ratio: number
  /** The median of per-query after / before ratios (paired). */
  readonly pairedRatio: number
}

/** Runs both sides on every query, taking turns who goes first; the first round warms up. */
async function compare(
  queries: readonly Float32Array[],
  before: (q: Float32Array) => Promise<unknown>,
  after: (q: Float32Array) => Promise<unknown>,
): Promise<Comparison> {
  const times = { before: [] as number[], after: [] as number[] }
  for (let round = 0; round < 2; round++) {
    for (const [i, query] of queries.entries()) {
      const order = i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)
      for (const side of order) {
        const start = performance.now()
        await (side === 'before' ? before : after)(query)
        if (round === 1) times[side].push(performance.now() - start)
      }
    }
  }
  const side = (values: number[]) => ({ medianMs: median(values), p95Ms: percentile(values, 95) })
  return {
    before: side(times.before),
    after: side(times.after),
    ratio: median(times.after) / median(times.before),
    pairedRatio: median(times.after.map((t, i) => t / (times.before[i] as number))),
  }
}

/** A side's median latency and mean hit count. */
interface Run {
  readonly medianMs: number
  readonly meanHits: number
}

/**
 * Times several calls per query (each returns its hit count), taking turns who goes first;
 * the first round warms up.
 */
async function timeTurns<K extends string>(
  queries: readonly Float32Array[],
  calls: Record<K, (q: Float32Array, i: number) => Promise<number>>,
): Promise<Record<K, Run>> {
  const names = Object.keys(calls) as K[]
  const times = new Map<K, number[]>(names.map((name) => [name, []]))
  const hits = new Map<K, number>(names.map((name) => [name, 0]))
  for (let round = 0; round < 2; round++) {
    for (const [i, query] of queries.entries()) {
      for (let j = 0; j < names.length; j++) {
        const name = names[(i + j) % names.length] as K
        const start = performance.now()
        const found = await calls[name](query, i)
        if (round === 0) continue
        times.get(name)?.push(performance.now() - start)
        hits.set(name, (hits.get(name) ?? 0) + found)
      }
    }
  }
  const runs = names.map((name) => [
    name,
    { medianMs: median(times.get(name) ?? []), meanHits: (hits.get(name) ?? 0) / queries.length },
  ])
  return Object.fromEntries(runs) as Record<K, Run>
}

const corpus = syntheticCorpus(N)
const rows = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `v${i}`,
    vector: syntheticRow(corpus, i),
    payload: { i, cat: i % 100 },
  }))
const queryData = syntheticQueries(QUERIES)
const queries = Array.from({ length: QUERIES }, (_, i) => syntheticRow(queryData, i))

async function memoryFigures(before: Library, after: Library): Promise<Comparison> {
  const make = async (library: Library) => {
    const backend = new library.root.InMemoryVectorBackend({ metric: 'cosine' })
    await backend.upsertMany(rows(N))
    return backend
  }
  const [b, a] = [await make(before), await make(after)]
  return compare(
    queries,
    (q) => b.search(q, 10, {}),
    (q) => a.search(q, 10, {}),
  )
}

async function pgvectorFigures(before: Library, after: Library) {
  const url = benchDatabaseUrl()
  const open = (library: Library) =>
    library.pg.PgvectorBackend.create({
      dsn: url,
      table: TABLE,
      dim: SYNTHETIC_DIM,
      maxConnections: 1,
    })
  const [b, a] = [await open(before), await open(after)]
  if ((await a.count({})) !== N) {
    console.log(`loading ${N} rows into ${TABLE} (kept for later runs)`)
    await a.clearAll()
    await a.upsertMany(rows(N))
  }
  const unfiltered = await compare(
    queries,
    (q) => b.search(q, 10, {}),
    (q) => a.search(q, 10, {}),
  )
  // 20 consecutive ids: the planner expects a third of the table (it cannot estimate the range),
  // so the search walks HNSW; an iterative scan stops after max_scan_tuples (20000) having met
  // a few of them, and the search completes the answer with an exact pass.
  const range = (i: number) => {
    const start = (i * 7919) % (N - 20)
    return { i: { $gte: start, $lt: start + 20 } }
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const runs = await timeTurns(queries.slice(0, COMPLETING_QUERIES), {
    before: async (q, i) => (await b.search(q, 10, range(i))).length,
    after: async (q, i) => (await a.search(q, 10, range(i))).length,
    // The exact pass alone: the very statement the completion runs (after's own SQL builders).
    exact: async (q, i) => {
      const statement = await exactPassStatement(after, q, range(i))
      const found = await sql.unsafe(statement.sql, statement.params as never[])
      return Math.min(found.length, 10)
    },
  })
  await sql.end()
  await b.close()
  await a.close()
  return { unfiltered, completing: completingFigures(runs) }
}

/** The SQL text and parameters of after's exact pass for a query and filter (first fetch). */
async function exactPassStatement(library: Library, query: Float32Array, filter: object) {
  const dist = library.build.dist
  const sqlModule = (await import(
    `${dist}/pgvector/sql.js`
  )) as typeof import('../src/pgvector/sql.js')
  const filterSql = (await import(
    `${dist}/pgvector/filter-sql.js`
  )) as typeof import('../src/pgvector/filter-sql.js')
  const filters = (await import(`${dist}/core/filter.js`)) as typeof import('../src/core/filter.js')
  const text = (await import(
    `${dist}/pgvector/vector-text.js`
  )) as typeof import('../src/pgvector/vector-text.js')
  const target = {
    table: sqlModule.tableName({ name: TABLE, schema: undefined }),
    schema: undefined,
    metric: 'cosine',
    vectorType: 'vector',
    hasUpdatedAt: false,
    columns: [],
    payload: sqlModule.identifier('payload'),
  } as const
  const where = filterSql.compileFilter(filters.parseFilter(filter))
  const { EXACT_EXTRA_ROWS } = (await import(
    `${dist}/pgvector/exact-search.js`
  )) as typeof import('../src/pgvector/exact-search.js')
  const literal = text.vectorLiteral(query)
  const statement = sqlModule.exactSearchQuery(target, literal, 11 + EXACT_EXTRA_ROWS, 11, where)
  return new PgDialect().sqlToQuery(statement)
}

function completingFigures({ before, after, exact }: Record<'before' | 'after' | 'exact', Run>) {
  return {
    before,
    after,
    exactPass: exact,
    /** (after - before) / exact pass: the completion's cost in exact passes. */
    exactPasses: (after.medianMs - before.medianMs) / exact.medianMs,
  }
}

async function chromaFigures(before: Library, after: Library) {
  const server = await after.chroma.startLocalChromaServer()
  const target = { host: server.host, port: server.port }
  const name = `before-after-${Date.now().toString(36)}`
  try {
    const a = await after.chroma.ChromaBackend.create(name, { ...target, metric: 'cosine' })
    console.log(`loading ${CHROMA_N} entries into Chroma`)
    const all = rows(CHROMA_N)
    for (let start = 0; start < all.length; start += 10_000) {
      await a.upsertMany(all.slice(start, start + 10_000))
    }
    const b = await before.chroma.ChromaBackend.create(name, { ...target, metric: 'cosine' })
    const unfiltered = await compare(
      queries,
      (q) => b.search(q, 10, {}),
      (q) => a.search(q, 10, {}),
    )
    // One entry per filter: Chroma's filtered HNSW search often finds none of them.
    const id = (i: number) => (i * 7919) % CHROMA_N
    const client = new ChromaClient(target)
    const collection = await client.getCollection({ name, embeddingFunction: null } as never)
    const runs = await timeTurns(queries.slice(0, COMPLETING_QUERIES), {
      before: async (q, i) => (await b.search(q, 10, { i: id(i) })).length,
      after: async (q, i) => (await a.search(q, 10, { i: id(i) })).length,
      // The exact pass alone: the matching entries read with their vectors.
      exact: async (_q, i) => {
        const page = await collection.get({
          where: { i: { $eq: id(i) } },
          include: ['embeddings', 'metadatas'] as never,
        })
        return page.ids.length
      },
    })
    await b.close()
    await a.close()
    return { unfiltered, completing: completingFigures(runs) }
  } finally {
    await server.stop()
  }
}

const before = await load(buildLibrary(beforeRef))
const after = await load(buildLibrary(undefined))
console.log(`before: ${beforeRef} (${before.build.label}); after: ${after.build.label}`)
const memory = await memoryFigures(before, after)
const pgvector = await pgvectorFigures(before, after)
const chroma = await chromaFigures(before, after)

const ms = (value: number) => value.toFixed(3)
printTable(
  [
    'unfiltered top-10',
    'n',
    'before p50 ms',
    'after p50 ms',
    'before p95',
    'after p95',
    'after/before',
    'paired',
  ],
  (
    [
      ['in-memory (exact)', N, memory],
      ['pgvector HNSW', N, pgvector.unfiltered],
      ['Chroma HNSW', CHROMA_N, chroma.unfiltered],
    ] as const
  ).map(([name, n, c]) => [
    name,
    String(n),
    ms(c.before.medianMs),
    ms(c.after.medianMs),
    ms(c.before.p95Ms),
    ms(c.after.p95Ms),
    c.ratio.toFixed(3),
    c.pairedRatio.toFixed(3),
  ]),
)
console.log()
printTable(
  [
    'search that needs completing',
    'before p50 ms (hits)',
    'after p50 ms (hits)',
    'exact pass alone ms',
    '(after-before)/exact',
  ],
  (
    [
      ['pgvector HNSW, 20-row range, top-10', pgvector.completing],
      ['Chroma, one-entry filter, top-10', chroma.completing],
    ] as const
  ).map(([name, c]) => [
    name,
    `${ms(c.before.medianMs)} (${c.before.meanHits.toFixed(2)})`,
    `${ms(c.after.medianMs)} (${c.after.meanHits.toFixed(2)})`,
    ms(c.exactPass.medianMs),
    c.exactPasses.toFixed(2),
  ]),
)
writeResult('before-after', {
  mode: quick ? 'quick' : 'full',
  before: { ref: beforeRef, commit: before.build.label },
  after: after.build.label,
  n: N,
  chromaN: CHROMA_N,
  queries: QUERIES,
  memory,
  pgvector,
  chroma,
})
