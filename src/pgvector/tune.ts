import { InvalidArgumentError } from '../core/errors.js'
import type { Vector } from '../core/backend.js'
import { wholeNumber } from '../internal/options.js'
import type { PgvectorSearchOptions } from './pgvector-backend-config.js'
import { tuneChart } from './tune-chart.js'
import { type TunedParameter, type TunedSetting, tunedParameterOf } from './tuned-setting.js'

/** Options of `tune()`: the recall to reach, and the queries to measure it with. */
export interface TuneOptions {
  /** The recall@k to reach on held-out queries, in (0, 1]: e.g. 0.95. */
  readonly recall: number
  /** The k of recall@k: how many hits the app asks for. Default: 10. */
  readonly k?: number
  /**
   * How many stored vectors to sample as queries (2-10 000): half choose the
   * setting, the other half check it. Default: 100, unless `queries` is given.
   */
  readonly sample?: number
  /**
   * Queries of your own (at least 2), like the ones the app sends: every
   * other one chooses the setting, the rest check it. Instead of `sample`.
   */
  readonly queries?: readonly Vector[]
  /** Values of `ef_search` (HNSW) or `probes` (IVFFlat) to try, cheapest first. Default: a sweep up to 1000 (probes: up to the list count). */
  readonly candidates?: readonly number[]
}

/** One point of the recall/latency curve: a value, measured on the choosing queries. */
export interface TunePoint {
  /** The `ef_search` or `probes` value. */
  readonly value: number
  /** Recall@k against the exact answer. */
  readonly recall: number
  /** Median latency of one search, in milliseconds. */
  readonly p50Ms: number
  /** Searches per second of one client sending them back to back. */
  readonly qps: number
}

/** What `tune()` found. */
export interface TuneResult {
  /** `'ef_search'` (HNSW) or `'probes'` (IVFFlat). */
  readonly parameter: TunedParameter
  /** The setting recorded with the table; undefined when no value reached the target (nothing is recorded). */
  readonly setting: TunedSetting | undefined
  /** Each value tried, cheapest first, on the choosing queries. */
  readonly curve: readonly TunePoint[]
  /** Recall@k of each value checked on the held-out queries (the chosen one last). */
  readonly heldOut: readonly { readonly value: number; readonly recall: number }[]
  /** The curve as a text chart, for a terminal. */
  readonly chart: string
}

/** What tuning needs from a backend (see `PgvectorBackend.tune`). */
export interface TuneSubject {
  readonly method: 'hnsw' | 'ivfflat' | undefined
  /** IVFFlat's list count. */
  readonly lists: number | undefined
  /** Checks a query vector as `search` does (dimension, finite values). */
  check(vector: Vector): Float32Array
  /** Up to `count` stored vectors, picked at random. */
  sample(count: number): Promise<Float32Array[]>
  /** The ids of a search's hits. */
  search(query: Float32Array, k: number, options: TuneSearch): Promise<string[]>
  /** Records the chosen setting with the table. */
  record(setting: TunedSetting): Promise<void>
}

/** A search of the sweep: exact (the truth), or through the index with one value. */
export type TuneSearch = PgvectorSearchOptions & { readonly exact?: boolean }

// From pgvector's default up: a smaller ef_search saves little graph work, and any value but the
// default costs each search a transaction for its SET LOCAL (measured: 1.5 ms against 2.8 ms p50).
const HNSW_CANDIDATES = [40, 64, 100, 160, 250, 400, 640, 1000]
const DEFAULT_SAMPLE = 100

/**
 * Finds the cheapest `ef_search` (HNSW) or `probes` (IVFFlat) whose recall@k
 * reaches `recall`, and records it with the table so every search uses it.
 *
 * The exact answers come from exact passes (`search(..., { exact: true })`).
 * Values are tried cheapest first on half the queries; the first to reach
 * the target there is checked on the other half (held out), and kept only if
 * it reaches the target there too. Reads only, apart from the record at the
 * end: writers are never blocked.
 */
export async function runTune(subject: TuneSubject, options: TuneOptions): Promise<TuneResult> {
  const { target, k, sample, given, candidates } = checkOptions(subject, options)
  const method = subject.method as 'hnsw' | 'ivfflat'
  const parameter = tunedParameterOf(method)
  const queries = given ?? (await subject.sample(sample))
  if (queries.length < 2) {
    throw new InvalidArgumentError('tune needs at least 2 stored vectors or queries')
  }
  const choose = queries.filter((_, i) => i % 2 === 0)
  const check = queries.filter((_, i) => i % 2 === 1)
  const truth = async (set: Float32Array[]) =>
    Promise.all(set.map((query) => subject.search(query, k, { exact: true })))
  const [chooseTruth, checkTruth] = [await truth(choose), await truth(check)]
  const optionOf = (value: number): TuneSearch =>
    parameter === 'ef_search' ? { efSearch: value } : { probes: value }
  const curve: TunePoint[] = []
  const heldOut: { value: number; recall: number }[] = []
  let setting: TunedSetting | undefined
  for (const value of candidates) {
    const point = await measure(subject, choose, chooseTruth, k, optionOf(value))
    curve.push({ value, ...point })
    if (point.recall < target) continue
    const checked = await measure(subject, check, checkTruth, k, optionOf(value))
    heldOut.push({ value, recall: checked.recall })
    if (checked.recall < target) continue
    setting = {
      parameter,
      value,
      targetRecall: target,
      recall: checked.recall,
      k,
      queries: check.length,
      measuredAt: new Date().toISOString(),
    }
    break
  }
  if (setting !== undefined) await subject.record(setting)
  return {
    parameter,
    setting,
    curve,
    heldOut,
    chart: tuneChart(parameter, curve, target, setting?.value),
  }
}

async function measure(
  subject: TuneSubject,
  queries: readonly Float32Array[],
  truth: readonly string[][],
  k: number,
  options: TuneSearch,
): Promise<Omit<TunePoint, 'value'>> {
  // One search first: the first of a run pays for cold caches and connections.
  await subject.search(queries[0] as Float32Array, k, options)
  const latencies: number[] = []
  let found = 0
  let expected = 0
  for (const [i, query] of queries.entries()) {
    const start = performance.now()
    const ids = await subject.search(query, k, options)
    latencies.push(performance.now() - start)
    const exact = new Set(truth[i])
    found += ids.filter((id) => exact.has(id)).length
    expected += exact.size
  }
  const total = latencies.reduce((sum, ms) => sum + ms, 0)
  latencies.sort((a, b) => a - b)
  return {
    recall: expected === 0 ? 1 : found / expected,
    p50Ms: latencies[Math.floor((latencies.length - 1) / 2)] as number,
    qps: total === 0 ? 0 : queries.length / (total / 1000),
  }
}

function checkOptions(subject: TuneSubject, options: TuneOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('expected tune options like { recall: 0.95 }')
  }
  if (subject.method === undefined) {
    throw new InvalidArgumentError(
      'nothing to tune: the table has no vector index (searches are exact)',
    )
  }
  const target = options.recall
  if (typeof target !== 'number' || !(target > 0 && target <= 1)) {
    throw new InvalidArgumentError('expected recall to be a number in (0, 1], e.g. 0.95')
  }
  if (options.sample !== undefined && options.queries !== undefined) {
    throw new InvalidArgumentError('give either sample or queries, not both')
  }
  const k = wholeNumber('k', options.k ?? 10, [1, 1000])
  const sample = wholeNumber('sample', options.sample ?? DEFAULT_SAMPLE, [2, 10_000])
  if (options.queries !== undefined && !Array.isArray(options.queries)) {
    throw new InvalidArgumentError('expected queries to be an array of vectors')
  }
  const given = options.queries?.map((query) => subject.check(query))
  return { target, k, sample, given, candidates: candidatesOf(subject, options.candidates) }
}

function candidatesOf(subject: TuneSubject, given: readonly number[] | undefined): number[] {
  const max = subject.method === 'hnsw' ? 1000 : (subject.lists ?? 32768)
  if (given !== undefined) {
    if (!Array.isArray(given) || given.length === 0) {
      throw new InvalidArgumentError('expected candidates to be a non-empty array of values')
    }
    const values = given.map((value) => wholeNumber('candidates', value, [1, max]))
    return [...new Set(values)].sort((a, b) => a - b)
  }
  if (subject.method === 'hnsw') return HNSW_CANDIDATES
  const values: number[] = []
  for (let probes = 1; probes < max; probes *= 2) values.push(probes)
  return [...values, max]
}
