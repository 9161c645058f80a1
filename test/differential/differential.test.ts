import { isDeepStrictEqual } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DISTANCE_METRICS, type DistanceMetric } from '../../src/core/metric.js'
import type { Filter } from '../../src/core/filter.js'
import { Dice, filter as randomFilter, payload as randomPayload } from './random-data.js'
import { ReferenceStore } from './reference-store.js'
import { type Engines, openEngines, openSubjects, type Subject } from './subjects.js'

// The same random data, updates and questions on every backend, each answer compared with a
// double-precision reference. VECSTORE_DIFFERENTIAL_SCALE multiplies the sizes (default 1:
// 2000 entries and 100 filters per metric, 300 in all).
const SCALE = Number(process.env['VECSTORE_DIFFERENTIAL_SCALE'] ?? '1')
const ENTRIES = Math.round(2000 * SCALE)
const ROUNDS = 4
const FILTERS_PER_ROUND = Math.ceil(25 * SCALE)
const DIM = 16
const TOP_KS = [1, 3, 10, 50, 200]
/** Recall floor of the approximate backends (measured: see the printed report). */
const RECALL_FLOOR = 0.95
const SEED = Number(process.env['VECSTORE_DIFFERENTIAL_SEED'] ?? '20261124')

/** What each backend got right, for the report. */
interface Tally {
  exact: boolean
  /** Milliseconds spent in this backend's calls, in all and by operation. */
  ms: number
  msByOp: { [op: string]: number }
  searches: number
  completeSearches: number
  exactOrder: number
  recallSum: number
}

let engines: Engines
const divergences: string[] = []
const tallies = new Map<string, Tally>()
let filtersAsked = 0

beforeAll(async () => {
  engines = await openEngines('differential')
})

afterAll(async () => {
  await engines?.close()
  printReport()
})

describe('differential: every backend against a double-precision reference', () => {
  for (const metric of DISTANCE_METRICS) {
    it(`${metric}: searches, counts, pages, deletes and payloads agree`, async () => {
      const subjects = await openSubjects(engines, metric, DIM)
      try {
        await runMetric(metric, subjects, new Dice(SEED + DISTANCE_METRICS.indexOf(metric)))
      } finally {
        for (const subject of subjects) await subject.backend.close()
      }
      expect(divergences.slice(0, 20)).toEqual([])
    }, 900_000)
  }

  it('asked at least 300 random filters of every backend', () => {
    expect(filtersAsked).toBeGreaterThanOrEqual(300 * Math.min(1, SCALE))
  })

  it('approximate backends (HNSW) find most of the exact top k', () => {
    const approximate = [...tallies].filter(([, tally]) => !tally.exact)
    expect(approximate.length).toBeGreaterThan(0)
    for (const [name, tally] of approximate) {
      expect(tally.recallSum / tally.searches, name).toBeGreaterThanOrEqual(RECALL_FLOOR)
    }
  })
})

async function runMetric(metric: DistanceMetric, subjects: Subject[], dice: Dice): Promise<void> {
  const reference = new ReferenceStore(metric)
  const records = initialRecords(dice)
  for (const record of records) reference.upsert(record.id, record.vector, record.payload)
  for (const subject of subjects) {
    await timed(subject, 'load', async () => {
      for (let start = 0; start < records.length; start += 500) {
        await subject.backend.upsertMany?.(records.slice(start, start + 500))
      }
    })
  }
  const context = { metric, subjects, reference, dice }
  for (let round = 0; round < ROUNDS; round++) {
    await mutate(context, round)
    await checkPayloads(context, sampleIds(context, 40))
    for (let i = 0; i < FILTERS_PER_ROUND; i++) {
      const filter = randomFilter(dice, ENTRIES)
      filtersAsked++
      await checkCount(context, filter)
      await checkPages(context, filter)
      await checkSearch(context, query(context), dice.pick(TOP_KS), filter)
    }
    for (let i = 0; i < 10; i++) await checkSearch(context, query(context), dice.pick(TOP_KS), {})
  }
  // Now and then a search for every entry: the whole ranking, on every backend.
  await checkSearch(context, query(context), ENTRIES * 2, {})
  await checkCount(context, {})
  await checkPages(context, {})
}

interface Context {
  readonly metric: DistanceMetric
  readonly subjects: readonly Subject[]
  readonly reference: ReferenceStore
  readonly dice: Dice
}

interface Record {
  readonly id: string
  readonly vector: number[]
  readonly payload: ReturnType<typeof randomPayload>
}

// Ids in several scripts (listing is in code point order); some vectors repeat or are doubled, so
// exact ties are common and must break by id everywhere.
function initialRecords(dice: Dice): Record[] {
  const prefixes = ['e', 'E', 'é', 'ж', '名', '😀']
  const records: Record[] = []
  for (let i = 0; i < ENTRIES; i++) {
    const copyOf = i > 10 && dice.chance(0.05) ? records[dice.below(i)] : undefined
    const vector = copyOf
      ? copyOf.vector.map((x) => (dice.chance(0.5) ? x : 2 * x))
      : dice.scaledGaussian(DIM)
    const id = `${dice.pick(prefixes)}${i}`
    records.push({ id, vector, payload: randomPayload(dice, i) })
  }
  return records
}

// A query: random, an entry's own vector (ties with its copies) or a multiple of one.
function query({ dice, reference }: Context): number[] {
  const roll = dice.next()
  if (roll < 0.6 || reference.size === 0) return dice.scaledGaussian(DIM)
  const stored = reference.get(dice.pick(reference.ids()))?.vector ?? []
  return Array.from(stored, (x) => (roll < 0.8 ? x : 4 * x))
}

function sampleIds({ dice, reference }: Context, n: number): string[] {
  const ids = reference.ids()
  return Array.from({ length: n }, () =>
    dice.chance(0.9) ? dice.pick(ids) : `missing-${dice.below(99)}`,
  )
}

// Vector updates, payload rewrites, inserts, deletes and one deleteWhere, on every backend alike.
async function mutate(context: Context, round: number): Promise<void> {
  const { dice, reference, subjects } = context
  const writes: Record[] = []
  for (let i = 0; i < 60; i++) {
    const id = i < 45 ? dice.pick(reference.ids()) : `new${round}-${i}`
    // Distinct ids: a batch that names an id twice is not what this compares.
    if (writes.some((write) => write.id === id)) continue
    const old = reference.get(id)
    const vector = old && dice.chance(0.3) ? Array.from(old.vector) : dice.scaledGaussian(DIM)
    writes.push({ id, vector, payload: randomPayload(dice, ENTRIES + round * 100 + i) })
  }
  const deletes = Array.from({ length: 8 }, () => dice.pick(reference.ids()))
  const deleteWhere = selectiveFilter(context)
  for (const write of writes) reference.upsert(write.id, write.vector, write.payload)
  for (const id of deletes) reference.delete(id)
  reference.deleteWhere(deleteWhere)
  for (const subject of subjects) {
    const { backend } = subject
    await timed(subject, 'writes', async () => {
      // A few single upserts, the rest in one batch: both paths, in a bounded time.
      for (const write of writes.slice(0, 15))
        await backend.upsert(write.id, write.vector, write.payload)
      await backend.upsertMany?.(writes.slice(15))
      for (const id of deletes) await backend.delete(id)
      await backend.deleteWhere(deleteWhere)
    })
  }
}

// A random filter matching 1 to 20 entries (or a few ids), for deleteWhere.
function selectiveFilter({ dice, reference }: Context): Filter {
  for (let attempt = 0; attempt < 50; attempt++) {
    const filter = randomFilter(dice, ENTRIES)
    const n = reference.matching(filter).length
    if (n >= 1 && n <= 20) return filter
  }
  return { i: { $in: [dice.below(ENTRIES), dice.below(ENTRIES)] } }
}

async function checkCount({ subjects, reference }: Context, filter: Filter): Promise<void> {
  const expected = reference.matching(filter).length
  for (const subject of subjects) {
    const actual = await timed(subject, 'count', () => subject.backend.count(filter))
    const name = subject.name
    if (actual !== expected) diverge(name, 'count', filter, `${actual} instead of ${expected}`)
  }
}

// listWhere page by page (keyset paging with `after`): ids and payloads.
async function checkPages(context: Context, filter: Filter): Promise<void> {
  const { subjects, reference, dice } = context
  const limit = dice.pick([3, 50, 500, 5000])
  for (const subject of subjects) {
    const name = subject.name
    let after: string | undefined
    for (let page = 0; page < 3; page++) {
      const expected = reference.list(filter, limit, after)
      const options = after === undefined ? {} : { after }
      const listed = await timed(subject, 'listWhere', () =>
        subject.backend.listWhere(filter, limit, options),
      )
      const ids = listed.map((entry) => entry.id)
      if (!isDeepStrictEqual(ids, expected)) {
        diverge(name, `listWhere page ${page} (limit ${limit})`, filter, diff(ids, expected))
        break
      }
      for (const entry of listed) checkPayload(name, entry.id, entry.payload, reference)
      if (ids.length < limit) break
      after = ids[ids.length - 1]
    }
  }
}

async function checkPayloads({ subjects, reference }: Context, ids: string[]): Promise<void> {
  const unique = [...new Set(ids)]
  for (const subject of subjects) {
    const name = subject.name
    const found = await timed(subject, 'getByIds', () => subject.backend.getByIds(unique))
    const expected = unique.filter((id) => reference.has(id))
    if (
      !isDeepStrictEqual(
        found.map((record) => record.id),
        expected,
      )
    ) {
      diverge(
        name,
        'getByIds',
        {},
        diff(
          found.map((record) => record.id),
          expected,
        ),
      )
    }
    for (const record of found) {
      checkPayload(name, record.id, record.payload, reference)
      const stored = reference.get(record.id)?.vector
      if (stored && !sameVector(record.vector, stored, subject)) {
        diverge(name, 'getByIds vector', {}, record.id)
      }
    }
  }
}

// Exact backends store the float32 values; Chroma keeps cosine vectors normalized, so they come
// back within a few float32 ulps of the largest element.
function sameVector(actual: Float32Array, expected: Float32Array, subject: Subject): boolean {
  if (subject.exact || subject.name !== 'Chroma') return isDeepStrictEqual(actual, expected)
  const largest = Math.max(...Array.from(expected, Math.abs))
  return (
    actual.length === expected.length &&
    actual.every((x, i) => Math.abs(x - (expected[i] as number)) <= 2 ** -21 * largest)
  )
}

function checkPayload(name: string, id: string, payload: unknown, reference: ReferenceStore): void {
  const expected = reference.get(id)?.payload
  if (!isDeepStrictEqual(payload, expected)) {
    diverge(
      name,
      `payload of ${id}`,
      {},
      `${JSON.stringify(payload)} instead of ${JSON.stringify(expected)}`,
    )
  }
}

/**
 * One search on every backend. All: exactly min(topK, matches) hits, each
 * matching the filter, with its payload. Exact backends: the reference's ids
 * in its order, scores within 1e-6 relative. Approximate ones: each score
 * within float32 rounding of the exact one; recall is tallied.
 */
async function checkSearch(
  { metric, subjects, reference }: Context,
  vector: number[],
  topK: number,
  filter: Filter,
): Promise<void> {
  const expected = reference.search(vector, topK, filter)
  const expectedIds = expected.map((hit) => hit.id)
  const matching = new Set(reference.matching(filter))
  for (const subject of subjects) {
    const { name, exact, backend } = subject
    const hits = await timed(subject, 'search', () => backend.search(vector, topK, filter))
    const tally = tallyOf(subject)
    tally.searches++
    if (hits.length === expected.length) tally.completeSearches++
    else
      diverge(
        name,
        `search hit count (topK ${topK})`,
        filter,
        `${hits.length} instead of ${expected.length}`,
      )
    const ids = hits.map((hit) => hit.id)
    if (isDeepStrictEqual(ids, expectedIds)) tally.exactOrder++
    else if (exact) diverge(name, `search order (topK ${topK})`, filter, diff(ids, expectedIds))
    const wanted = new Set(expectedIds)
    tally.recallSum +=
      expected.length === 0 ? 1 : ids.filter((id) => wanted.has(id)).length / expected.length
    for (const hit of hits) {
      if (!matching.has(hit.id)) {
        diverge(name, 'search hit outside the filter', filter, hit.id)
        continue
      }
      checkPayload(name, hit.id, hit.payload, reference)
      const score = reference.score(vector, hit.id)
      const tolerance = exact
        ? 1e-6 * Math.abs(score)
        : approximateTolerance(metric, vector, hit.id, reference)
      if (!(Math.abs(hit.score - score) <= tolerance)) {
        diverge(name, `score of ${hit.id}`, filter, `${hit.score} instead of ${score}`)
      }
    }
  }
}

// Float32 arithmetic over 16 dimensions: within 1e-5 of |q|·|v| (IP) or of 1 (cosine, l2 scores).
function approximateTolerance(
  metric: DistanceMetric,
  vector: number[],
  id: string,
  reference: ReferenceStore,
): number {
  if (metric !== 'ip') return 1e-5
  const norm = (values: ArrayLike<number>) => Math.hypot(...Array.from(values))
  return 1e-5 * norm(vector) * norm(reference.get(id)?.vector ?? [])
}

function tallyOf({ name, exact }: Subject): Tally {
  let tally = tallies.get(name)
  if (tally === undefined) {
    tally = {
      exact,
      ms: 0,
      msByOp: {},
      searches: 0,
      completeSearches: 0,
      exactOrder: 0,
      recallSum: 0,
    }
    tallies.set(name, tally)
  }
  return tally
}

// Runs one backend call, adding its time to the backend's tally.
async function timed<T>(subject: Subject, op: string, call: () => Promise<T>): Promise<T> {
  const start = performance.now()
  try {
    return await call()
  } finally {
    const ms = performance.now() - start
    const tally = tallyOf(subject)
    tally.ms += ms
    tally.msByOp[op] = (tally.msByOp[op] ?? 0) + ms
  }
}

function diverge(name: string, what: string, filter: Filter, detail: string): void {
  divergences.push(`${name}: ${what} for ${JSON.stringify(filter)}: ${detail.slice(0, 300)}`)
}

function diff(actual: string[], expected: string[]): string {
  const at = actual.findIndex((id, i) => id !== expected[i])
  const i = at === -1 ? Math.min(actual.length, expected.length) : at
  return `${actual.length} vs ${expected.length} ids, first difference at ${i}: ${actual[i]} instead of ${expected[i]}`
}

function printReport(): void {
  const lines = [...tallies].map(([name, t]) => {
    const pct = (n: number) => `${((100 * n) / t.searches).toFixed(1)}%`
    return `${name.padEnd(14)} ${t.exact ? 'exact      ' : 'approximate'} searches ${t.searches}, complete ${pct(t.completeSearches)}, reference order ${pct(t.exactOrder)}, recall ${(t.recallSum / t.searches).toFixed(4)}, ${(t.ms / 1000).toFixed(1)} s in calls (${Object.entries(
      t.msByOp,
    )
      .map(([op, ms]) => `${op} ${(ms / 1000).toFixed(1)}`)
      .join(', ')})`
  })
  console.log(
    [
      `differential: ${ENTRIES} entries x ${DIM} dims per metric, ${Math.round(filtersAsked)} random filters, seed ${SEED}`,
      ...lines,
      `${divergences.length} divergences${divergences.length ? `:\n  ${divergences.slice(0, 50).join('\n  ')}` : ''}`,
    ].join('\n'),
  )
}
