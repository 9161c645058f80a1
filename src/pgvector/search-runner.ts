import type { SQL } from 'drizzle-orm'
import type { SearchHit } from '../core/backend.js'
import type { Payload } from '../core/json.js'
import { compareIds } from '../core/validate.js'
import { rowsOf, type SqlDatabase } from './connection.js'
import type { PgvectorSearchOptions } from './pgvector-backend-config.js'
import type { VectorIndexInfo } from './schema-sync.js'
import { filterPlanQuery, type QueryTarget, searchQuery, settingsQuery } from './sql.js'
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
}

/**
 * Runs a nearest-neighbour query and returns the best `topK`, ties by id.
 *
 * Iterative index scans cost time (about 60% more for an unfiltered HNSW
 * query), so an unfiltered search first makes one plain pass and switches to
 * an iterative scan only when that pass comes back short (dead index entries,
 * or more rows asked than `ef_search`). A filtered search scans iteratively
 * from the start, so a selective filter still returns `topK` rows.
 *
 * The query orders by distance alone (so the vector index can serve it) and
 * fetches one row more than asked: when that row ties with the last one
 * kept, more rows share the cut-off distance, so it fetches again with a
 * larger limit (up to 1000 extra rows) until the tied group is complete,
 * then sorts by (distance, id). Exact scans thus break every tie by id, as
 * in-memory search does; index scans break ties among the rows they find.
 */
export async function runSearch(
  context: SearchContext,
  literal: string,
  topK: number,
  where: SQL,
  options: SearchTuning,
): Promise<SearchHit[]> {
  let limit = topK + 1
  let iterative = options.filtered
  const exact = options.filtered && (await prefersExact(context, where, options))
  for (;;) {
    const query = searchQuery(context.target, literal, limit, where)
    const settings = sessionSettings(context, limit, { ...options, filtered: iterative, exact })
    const rows = sortRows(await runWithSettings(context, settings, query))
    if (rows.length < limit && !iterative && !exact && canIterate(context, options)) {
      iterative = true
      continue
    }
    const cut = rows[topK - 1]
    const last = rows[rows.length - 1]
    const tied = rows.length === limit && cut !== undefined && last?.distance === cut.distance
    if (!tied || limit >= topK + MAX_TIE_ROWS) {
      const score = METRIC_SQL[context.target.metric].score
      return rows
        .slice(0, topK)
        .map((row) => ({ id: row.id, score: score(row.distance), payload: row.payload }))
    }
    limit = Math.min(topK + MAX_TIE_ROWS, topK + 4 * (limit - topK))
  }
}

/** Search options plus whether the query has a filter (then it scans iteratively at once). */
export interface SearchTuning extends PgvectorSearchOptions {
  readonly filtered: boolean
  /** Skip the vector index: the filter is selective and served by the payload index. */
  readonly exact?: boolean
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
  // The planner then takes the payload index (a bitmap scan) and sorts: exact.
  if (options.exact) return [['enable_indexscan', 'off']]
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
  }))
  // NaN (a zero vector under cosine, written by someone else) sorts last, like Postgres does.
  const key = (row: Row) => (Number.isNaN(row.distance) ? Infinity : row.distance)
  return typed.sort((a, b) => key(a) - key(b) || compareIds(a.id, b.id))
}

/** A payload as the driver returns it: parsed by every driver's default jsonb parser, or text. */
export function payloadOf(value: unknown): Payload {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Payload
}
