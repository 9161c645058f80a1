// Read replicas on one machine: read QPS with a replica taking the reads vs the primary alone,
// and, with readYourWrites, how long reads after a write wait for the replica (with the primary's
// synchronous_commit on and off), what the position check costs writes, and how many reads miss
// their write without readYourWrites. Primary and replica share this machine's cores, so this
// measures overhead, not scale-out (see docs/scaling.md).
//
//   npx tsx bench/pgvector-replicas.ts [--rows=20000] [--seconds=10] [--concurrency=8] [--pairs=2000]
//
// Needs root (it runs a primary and a replica of its own as user postgres, and removes them).
import { PgvectorBackend, type PgvectorStats } from '../src/pgvector/index.js'
import { Replica } from '../src/pgvector/replica.js'
import { startReplicaCluster } from './lib/replica-cluster.js'
import { writeResult } from './lib/results.js'
import { fmt, median, percentile } from './lib/stats.js'
import {
  SYNTHETIC_DIM,
  syntheticCorpusChunks,
  syntheticQueries,
  syntheticRow,
} from './lib/synthetic.js'
import { printTable } from './lib/table.js'

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const ROWS = arg('rows', 20_000)
const SECONDS = arg('seconds', 10)
const CONCURRENCY = arg('concurrency', 8)
const PAIRS = arg('pairs', 2000)
const WRITERS = 4
const TABLE = 'bench_replicas'

// Time each wait of a read for its replica to replay a write (only reads that find their replica
// behind wait; the others count as 0).
const waits: { ms: number; replayed: boolean }[] = []
const waitFor = Replica.prototype.waitFor
Replica.prototype.waitFor = async function timedWaitFor(this: Replica, position, ms) {
  const started = performance.now()
  const replayed = await waitFor.call(this, position, ms)
  waits.push({ ms: performance.now() - started, replayed })
  return replayed
}

const cluster = startReplicaCluster()
try {
  cluster.setSynchronousCommit('on')
  const base = {
    dsn: cluster.primaryUrl,
    table: TABLE,
    dim: SYNTHETIC_DIM,
    maxConnections: CONCURRENCY,
  }
  await load(base)
  const reads = await readThroughput(base)
  const ryw = []
  for (const commit of ['on', 'off'] as const) {
    cluster.setSynchronousCommit(commit)
    ryw.push(await readYourWrites(base, commit))
  }
  writeResult('pgvector-replicas', {
    rows: ROWS,
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    pairs: PAIRS,
    reads,
    ryw,
  })
} finally {
  cluster.stop()
}

type Base = { dsn: string; table: string; dim: number; maxConnections: number }

async function load(base: Base): Promise<void> {
  const backend = await PgvectorBackend.create(base)
  const started = performance.now()
  let i = 0
  for (const chunk of syntheticCorpusChunks(ROWS)) {
    const records = []
    for (let j = 0; j * SYNTHETIC_DIM < chunk.length; j++, i++) {
      records.push({ id: `r${i}`, vector: syntheticRow(chunk, j), payload: { i } })
    }
    await backend.upsertMany(records)
  }
  await backend.close()
  console.log(
    `loaded ${ROWS} x ${SYNTHETIC_DIM} in ${fmt((performance.now() - started) / 1000, 1)} s`,
  )
}

// CONCURRENCY loops of top-10 searches for SECONDS; primary alone and replica, three times
// each, interleaved (other work on the machine moves single runs).
async function readThroughput(base: Base) {
  const queries = syntheticQueries(200)
  const replicated = { ...base, replicas: [cluster.replicaUrl] }
  const results: { target: string; qps: number; p50: number; p95: number; replicaShare: number }[] =
    []
  for (const round of [1, 2, 3]) {
    for (const [target, config] of [
      ['primary alone', base],
      ['replica takes reads', replicated],
    ] as const) {
      const backend = await PgvectorBackend.create(config)
      await searchFor(backend, queries, 2) // warm-up: connections, caches
      const latencies = await searchFor(backend, queries, SECONDS)
      const stats = (await backend.stats()) as PgvectorStats
      await backend.close()
      const replicaReads = stats.replicas?.[0]?.reads ?? 0
      results.push({
        target: `${target} (round ${round})`,
        qps: latencies.length / SECONDS,
        p50: median(latencies),
        p95: percentile(latencies, 95),
        replicaShare: replicaReads / Math.max(1, replicaReads + (stats.primaryReads ?? 0)),
      })
    }
  }
  for (const target of ['primary alone', 'replica takes reads']) {
    const runs = results.filter((r) => r.target.startsWith(target))
    results.push({
      target: `${target} (median of ${runs.length})`,
      qps: median(runs.map((r) => r.qps)),
      p50: median(runs.map((r) => r.p50)),
      p95: median(runs.map((r) => r.p95)),
      replicaShare: median(runs.map((r) => r.replicaShare)),
    })
  }
  printTable(
    ['reads', 'QPS', 'p50 ms', 'p95 ms', 'answered by the replica'],
    results.map((r) => [
      r.target,
      fmt(r.qps, 0),
      fmt(r.p50),
      fmt(r.p95),
      `${fmt(100 * r.replicaShare, 1)}%`,
    ]),
  )
  return results
}

async function searchFor(
  backend: PgvectorBackend,
  queries: Float32Array,
  seconds: number,
): Promise<number[]> {
  const latencies: number[] = []
  const until = performance.now() + seconds * 1000
  const loop = async (worker: number) => {
    for (let i = worker; performance.now() < until; i += CONCURRENCY) {
      const started = performance.now()
      await backend.search(syntheticRow(queries, i % 200), 10, {})
      latencies.push(performance.now() - started)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => loop(w)))
  return latencies
}

// WRITERS loops of "upsert a new entry, then read it back by id": with readYourWrites (every
// read must find its entry) and without (how many do not).
async function readYourWrites(base: Base, synchronousCommit: 'on' | 'off') {
  const row = syntheticRow(syntheticQueries(1), 0)
  const run = async (readYourWrites: boolean) => {
    const backend = await PgvectorBackend.create({
      ...base,
      replicas: [cluster.replicaUrl],
      readYourWrites,
    })
    waits.length = 0
    const writes: number[] = []
    const readLatencies: number[] = []
    let missed = 0
    const writer = async (w: number) => {
      for (let i = 0; i < PAIRS / WRITERS; i++) {
        const id = `ryw-${synchronousCommit}-${readYourWrites}-${w}-${i}`
        let started = performance.now()
        await backend.upsert(id, row, { w, i })
        writes.push(performance.now() - started)
        started = performance.now()
        if ((await backend.getByIds([id])).length === 0) missed++
        readLatencies.push(performance.now() - started)
      }
    }
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)))
    const timedWaits = waits.map((wait) => wait.ms)
    const stats = (await backend.stats()) as PgvectorStats
    await backend.clearAll()
    await backend.close()
    // Reads that found the replica caught up did not wait: zeros.
    const allWaits = [...timedWaits, ...Array<number>(PAIRS - timedWaits.length).fill(0)]
    return {
      synchronousCommit,
      readYourWrites,
      missedWrites: missed,
      writeP50: median(writes),
      readP50: median(readLatencies),
      readP99: percentile(readLatencies, 99),
      readsThatWaited: timedWaits.length,
      waitP50: percentile(allWaits, 50),
      waitP90: percentile(allWaits, 90),
      waitP99: percentile(allWaits, 99),
      waitMax: Math.max(0, ...allWaits),
      primaryReads: stats.primaryReads ?? 0,
    }
  }
  const results = [await run(false), await run(true)]
  printTable(
    [
      'synchronous_commit',
      'readYourWrites',
      'reads missing their write',
      'write p50 ms',
      'read p50 ms',
      'read p99 ms',
      'reads that waited',
      'wait p50 / p90 / p99 / max ms',
      'reads on the primary',
    ],
    results.map((r) => [
      r.synchronousCommit,
      String(r.readYourWrites),
      `${r.missedWrites} of ${PAIRS}`,
      fmt(r.writeP50),
      fmt(r.readP50),
      fmt(r.readP99),
      String(r.readsThatWaited),
      [r.waitP50, r.waitP90, r.waitP99, r.waitMax].map((v) => fmt(v, 1)).join(' / '),
      String(r.primaryReads),
    ]),
  )
  return results
}
