import type { SQL } from 'drizzle-orm'
import type { SearchHit } from '../core/backend.js'
import type { Payload } from '../core/json.js'
import {
  type DistanceMetric,
  float32ErrorBound,
  float32TypicalError,
  vectorNorm,
} from '../core/metric.js'
import { compareIds } from '../core/validate.js'
import { rowsOf, type SqlDatabase } from './connection.js'
import type { PgvectorSearchOptions } from './pgvector-backend-config.js'
import type { VectorIndexInfo } from './schema-sync.js'
import { exactScores, engineQuery, mayTie, parseVectorText } from './exact-scores.js'
import {
  exactSearchQuery,
  filterPlanQuery,
  type QueryTarget,
  searchQuery,
  settingsQuery,
  vectorsByIdsQuery,
} from './sql.js'
import { METRIC_SQL } from './vector-table.js'

/** pgvector's default `hnsw.ef_search`: without iterative scans, an HNSW scan yields at most this many rows. */
const DEFAULT_EF_SEARCH = 40
const MAX_EF_SEARCH = 1000
/** Rows fetched beyond topK to settle ties at the cut-off (see {@link runSearch}). */
const MAX_TIE_ROWS = 1000

/** Everything a search needs besides the query itself. */
export interface SearchContext {
  readonly db: SqlDatabase
  readonly target: QueryTarget
  readonly vectorIndex: VectorIndexInfo | undefined
  /** pgvector >= 0.8: `hnsw.iterative_scan` / `ivfflat.iterative_scan` exist. */
  readonly iterativeScans: boolean
}

interface Row {
  readonly id: string
  readonly payload: Payload
  readonly distance: number
  /** The stored vector as text (exact passes only). */
  readonly vector?: string
}

type VectorRow = Row & { readonly vector: string }

/**
 * Runs a nearest-neighbour query and returns exactly `min(topK, matching
 * rows)` hits, best first, ties by id.
 *
 * Without a vector index, or when the filter is selective (see
 * {@link prefersExact}), the search is exact (see `exactSearch`).
 *
 * Otherwise it scans the vector index. Iterative index scans cost time
 * (about 60% more for an unfiltered HNSW query), so an unfiltered search
 * first makes one plain pass and switches to an iterative scan only when
 * that pass comes back short (dead index entries, or more rows asked than
 * `ef_search`). A filtered search scans iteratively from the start. An index
 * scan can still come back short (an HNSW graph under IP leaves rows it
 * never reaches; `max_scan_tuples` ends a scan): then the same search runs
 * once more as an exact pass over the matching rows, which is complete.
 * Searches that were not short pay nothing for this.
 */
export async function runSearch(
  context: SearchContext,
  literal: string,
  topK: number,
  where: SQL,
  options: SearchTuning,
): Promise<SearchHit[]> {
  const exact =
    context.vectorIndex === undefined ||
    (options.filtered && (await prefersExact(context, where, options)))
  if (!exact) {
    const hits = await indexSearch(context, literal, topK, where, options)
    if (hits !== undefined) return hits
  }
  return exactSearch(context, literal, topK, where)
}

/**
 * A search through the vector index, or undefined when it found fewer than
 * `topK` rows. It fetches one row more than asked: when that row may tie with
 * the last one kept (distances within float32 rounding), more rows may share
 * the cut-off, so it fetches again with a larger limit (up to 1000 extra rows)
 * until the group is complete. Rows whose distances may hide a tie are then
 * re-scored exactly, so ties among the rows found break by id.
 */
async function indexSearch(
  context: SearchContext,
  literal: string,
  topK: number,
  where: SQL,
  options: SearchTuning,
): Promise<SearchHit[] | undefined> {
  const { metric } = context.target
  let limit = topK + 1
  let iterative = options.filtered
  for (;;) {
    const query = searchQuery(context.target, literal, limit, where)
    const settings = sessionSettings(context, limit, { ...options, filtered: iterative })
    const rows = sortRows(await runWithSettings(context, settings, query))
    if (rows.length < limit && !iterative && canIterate(context, options)) {
      iterative = true
      continue
    }
    if (rows.length < topK) return undefined
    const error = float32TypicalError(literalDimensions(literal))
    const cut = rows[topK - 1] as Row
    const last = rows[rows.length - 1] as Row
    const tied =
      rows.length === limit &&
      mayTie(metric, cut.distance, last.distance, error, ipScale(cut, last))
    if (!tied || limit >= topK + MAX_TIE_ROWS) {
      return (await settleTies(context, literal, rows, error)).slice(0, topK)
    }
    limit = Math.min(topK + MAX_TIE_ROWS, topK + 4 * (limit - topK))
  }
}

/**
 * An exact search: every matching row is scored (never the vector index), and
 * the rows kept are re-scored exactly, so ids and scores are those of
 * `referenceScore`. Rows whose engine distance is within the float32 error
 * bound of the k-th may outrank it exactly: the query fetches a few rows
 * beyond topK (vectors for topK + 1 of them) to find them in the same pass,
 * and reads the vectors they lack by id. Only when even the last row fetched
 * may tie does it fetch again with a larger limit. Under IP the bound scales
 * with the largest norm among the rows read.
 */
async function exactSearch(
  context: SearchContext,
  literal: string,
  topK: number,
  where: SQL,
): Promise<SearchHit[]> {
  const { metric, vectorType } = context.target
  const query = engineQuery(literal, vectorType)
  const error = float32ErrorBound(query.length)
  const settings = exactSettings(context)
  for (
    let limit = topK + 1 + EXACT_EXTRA_ROWS;
    ;
    limit = Math.min(topK + MAX_TIE_ROWS, 4 * limit)
  ) {
    const search = exactSearchQuery(context.target, literal, limit, topK + 1, where)
    const rows = sortRows(await runWithSettings(context, settings, search))
    const cut = rows[topK - 1]
    if (cut === undefined) return exactHits(metric, query, await withVectors(context, rows))
    const scale = metric === 'ip' ? vectorNorm(query) * largestNorm(rows) : 0
    const mayOutrank = (row: Row) => mayTie(metric, cut.distance, row.distance, error, scale)
    const last = rows[rows.length - 1] as Row
    if (rows.length < limit || !mayOutrank(last) || limit >= topK + MAX_TIE_ROWS) {
      const candidates = rows.filter((row, i) => i < topK || mayOutrank(row))
      return exactHits(metric, query, await withVectors(context, candidates)).slice(0, topK)
    }
  }
}

/** Rows an exact pass fetches beyond topK + 1 (without vectors) to see ties at the cut-off. */
export const EXACT_EXTRA_ROWS = 16

function exactHits(metric: DistanceMetric, query: Float32Array, rows: VectorRow[]): SearchHit[] {
  return exactScores(metric, query, rows, compareIds).map(({ row, score }) => ({
    id: row.id,
    score,
    payload: row.payload,
  }))
}

// The rows with their vectors: those the query did not print are read by id (deleted ones drop out).
async function withVectors(context: SearchContext, rows: readonly Row[]): Promise<VectorRow[]> {
  const missing = rows.filter((row) => row.vector === undefined).map((row) => row.id)
  if (missing.length === 0) return rows as VectorRow[]
  const found = await vectorsOf(context, missing)
  return rows.flatMap((row) => {
    const vector = row.vector ?? found.get(row.id)
    return vector === undefined ? [] : [{ ...row, vector }]
  })
}

async function vectorsOf(
  context: SearchContext,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const rows = rowsOf(await context.db.execute(vectorsByIdsQuery(context.target, ids)))
  return new Map(rows.map((row) => [String(row['id']), String(row['vector'])]))
}

/**
 * Hits from index-scan rows (sorted by distance): scores from the engine's
 * distances, except in runs of rows whose distances may hide a tie, which are
 * re-scored exactly from their stored vectors. Best first, ties by id.
 */
async function settleTies(
  context: SearchContext,
  literal: string,
  rows: readonly Row[],
  error: number,
): Promise<SearchHit[]> {
  const { metric } = context.target
  const tied = new Set<string>()
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1] as Row
    const b = rows[i] as Row
    if (mayTie(metric, a.distance, b.distance, error, ipScale(a, b))) tied.add(a.id).add(b.id)
  }
  const exact = tied.size === 0 ? new Map<string, number>() : await rescore(context, literal, tied)
  const score = METRIC_SQL[metric].score
  return rows
    .map((row) => ({
      id: row.id,
      score: exact.get(row.id) ?? score(row.distance),
      payload: row.payload,
    }))
    .sort((a, b) => nanLast(b.score) - nanLast(a.score) || compareIds(a.id, b.id))
}

// Exact scores of these rows, read with their stored vectors (rows deleted meanwhile are left out).
async function rescore(
  context: SearchContext,
  literal: string,
  ids: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const query = engineQuery(literal, context.target.vectorType)
  const vectors = await vectorsOf(context, [...ids])
  const rows = [...vectors].map(([id, vector]) => ({ id, vector }))
  const scored = exactScores(context.target.metric, query, rows, compareIds)
  return new Map(scored.map(({ row, score }) => [row.id, score]))
}

// Under IP, distances of the index path are -dot: their own magnitude stands for |q|·|v|.
function ipScale(a: Row, b: Row): number {
  return Math.max(Math.abs(a.distance), Math.abs(b.distance))
}

function largestNorm(rows: readonly Row[]): number {
  let largest = 0
  for (const row of rows)
    largest = Math.max(largest, vectorNorm(parseVectorText(row.vector ?? '[]')))
  return largest
}

// The number of elements in a vector literal.
function literalDimensions(literal: string): number {
  let commas = 0
  for (let i = 0; i < literal.length; i++) if (literal.charCodeAt(i) === 0x2c) commas++
  return commas + 1
}

const nanLast = (score: number) => (Number.isNaN(score) ? -Infinity : score)

/** Search options plus whether the query has a filter (then it scans iteratively at once). */
export interface SearchTuning extends PgvectorSearchOptions {
  readonly filtered: boolean
}

/**
 * The settings of an exact pass: none without a vector index; with one,
 * index scans off, so the planner takes the payload index (a bitmap scan)
 * or a sequential scan, and sorts.
 */
export function exactSettings(context: SearchContext): [string, string][] {
  return context.vectorIndex === undefined ? [] : [['enable_indexscan', 'off']]
}

/** Default of `exactFilterRows`. */
const EXACT_FILTER_ROWS = 5000

/**
 * Whether a filtered search should skip the vector index: the planner expects
 * the filter to match few rows and would find them through an index (the GIN
 * index on the payload). Then fetching them and sorting by distance is exact
 * and fast, while an iterative HNSW scan would walk the graph until it meets
 * enough of them (measured: 40-85 ms against 3-8 ms for a 1% filter on
 * 30k-100k rows). The planner itself cannot cost iterative scans, so it asks.
 */
export async function prefersExact(
  context: SearchContext,
  where: SQL,
  options: PgvectorSearchOptions,
): Promise<boolean> {
  const limit = options.exactFilterRows ?? EXACT_FILTER_ROWS
  if (context.vectorIndex === undefined || limit === 0) return false
  const root = planOf(rowsOf(await context.db.execute(filterPlanQuery(context.target, where))))
  if (root === undefined || Number(root['Plan Rows']) > limit) return false
  return usesIndex(root)
}

/** One node of an `EXPLAIN (FORMAT JSON)` plan. */
export type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] }

/** The root node of an `EXPLAIN (FORMAT JSON)` result (drivers return it parsed or as text). */
export function planOf(rows: Record<string, unknown>[]): PlanNode | undefined {
  const raw = rows[0]?.['QUERY PLAN']
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan?: PlanNode }[]
  return plan[0]?.Plan
}

function usesIndex(node: PlanNode): boolean {
  return (
    String(node['Node Type']).includes('Index') ||
    (node.Plans ?? []).some((child) => usesIndex(child))
  )
}

function canIterate(context: SearchContext, options: PgvectorSearchOptions): boolean {
  return (
    context.vectorIndex !== undefined &&
    context.iterativeScans &&
    (options.iterativeScan ?? 'strict_order') !== 'off'
  )
}

/**
 * The `SET LOCAL` settings of one pass: the iterative scan mode (filtered
 * passes), `ef_search` / `probes`, `max_scan_tuples`. None without a vector
 * index, nor for a plain pass with default tuning: then no transaction either.
 */
export function sessionSettings(
  context: SearchContext,
  limit: number,
  options: SearchTuning,
): [string, string][] {
  const index = context.vectorIndex
  if (index === undefined) return []
  const iterative = options.filtered && canIterate(context, options)
  const settings: [string, string][] = []
  if (index.method === 'hnsw') {
    let efSearch = options.efSearch
    // Without iterative scans an HNSW scan stops after ef_search rows: make room for the limit.
    if (!iterative && limit > (efSearch ?? DEFAULT_EF_SEARCH)) {
      efSearch = Math.min(limit, MAX_EF_SEARCH)
    }
    if (iterative) settings.push(['hnsw.iterative_scan', options.iterativeScan ?? 'strict_order'])
    if (efSearch !== undefined) settings.push(['hnsw.ef_search', String(efSearch)])
    if (iterative && options.maxScanTuples !== undefined) {
      settings.push(['hnsw.max_scan_tuples', String(options.maxScanTuples)])
    }
  } else {
    // IVFFlat knows only relaxed order; rows are re-sorted here anyway.
    if (iterative) settings.push(['ivfflat.iterative_scan', 'relaxed_order'])
    if (options.probes !== undefined) settings.push(['ivfflat.probes', String(options.probes)])
  }
  return settings
}

/** Runs a query after `SET LOCAL` settings, in one transaction (safe behind transaction poolers). */
export async function runWithSettings(
  context: SearchContext,
  settings: readonly (readonly [string, string])[],
  query: SQL,
): Promise<Record<string, unknown>[]> {
  if (settings.length === 0) return rowsOf(await context.db.execute(query))
  return context.db.transaction(async (tx) => {
    await tx.execute(settingsQuery(settings))
    return rowsOf(await tx.execute(query))
  })
}

function sortRows(rows: Record<string, unknown>[]): Row[] {
  const typed = rows.map((row) => ({
    id: String(row['id']),
    payload: payloadOf(row['payload']),
    distance: Number(row['distance']),
    ...(typeof row['vector'] === 'string' && { vector: row['vector'] }),
  }))
  // NaN (a zero vector under cosine, written by someone else) sorts last, like Postgres does.
  const key = (row: Row) => (Number.isNaN(row.distance) ? Infinity : row.distance)
  return typed.sort((a, b) => key(a) - key(b) || compareIds(a.id, b.id))
}

/** A payload as the driver returns it: parsed by every driver's default jsonb parser, or text. */
export function payloadOf(value: unknown): Payload {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Payload
}
