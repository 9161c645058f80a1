import { type SQL, sql } from 'drizzle-orm'
import type { SearchHit } from '../core/backend.js'
import { float32TypicalError } from '../core/metric.js'
import { compareIds } from '../core/validate.js'
import { rowsOf } from './connection.js'
import { exactSearch } from './exact-search.js'
import { engineQuery, exactScores, mayTie } from './exact-scores.js'
import type { PgvectorSearchOptions } from './pgvector-backend-config.js'
import {
  MAX_TIE_ROWS,
  type Row,
  runWithSettings,
  type SearchContext,
  sortRows,
  vectorsOf,
} from './search-context.js'
import { filterPlanQuery, searchQuery } from './sql.js'
import { METRIC_SQL } from './vector-table.js'

export { payloadOf, runWithSettings, type SearchContext } from './search-context.js'
export { EXACT_EXTRA_ROWS } from './exact-search.js'

/** pgvector's default `hnsw.ef_search`: without iterative scans, an HNSW scan yields at most this many rows. */
const DEFAULT_EF_SEARCH = 40
const MAX_EF_SEARCH = 1000

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
    options.exact === true ||
    context.vectorIndex === undefined ||
    (options.filtered && (await prefersExact(context, where, topK, options)))
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
    const query = searchQuery(context.target, literal, limit, where, candidates(limit, options))
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

// The number of elements in a vector literal.
function literalDimensions(literal: string): number {
  let commas = 0
  for (let i = 0; i < literal.length; i++) if (literal.charCodeAt(i) === 0x2c) commas++
  return commas + 1
}

const nanLast = (score: number) => (Number.isNaN(score) ? -Infinity : score)

/** Rows a binary-quantized index hands to the re-ranking: `ef_search`'s worth, at least the limit. */
export function candidates(limit: number, options: PgvectorSearchOptions): number {
  return Math.max(limit, Math.min(options.efSearch ?? DEFAULT_EF_SEARCH, MAX_EF_SEARCH))
}

/** Search options plus whether the query has a filter (then it scans iteratively at once). */
export interface SearchTuning extends PgvectorSearchOptions {
  readonly filtered: boolean
  /** Skip the vector index: every matching row is scored (`search(..., { exact: true })`). */
  readonly exact?: boolean
}

/** The least default of `exactFilterRows`: below it a filter is always answered exactly. */
const EXACT_FILTER_ROWS = 5000

/**
 * Whether a filtered search should skip the vector index: the planner expects
 * the filter to match few rows and would find them through an index (a btree
 * on an app column, the GIN index on the payload). Then fetching them and
 * sorting by distance is exact and fast, while an iterative HNSW scan walks
 * the graph until it meets enough of them. The planner itself cannot cost
 * iterative scans, so it asks.
 *
 * An iterative scan meets topK of M matching rows among N after about
 * topK·N/M rows; the exact pass reads all M. So the exact pass is cheaper
 * while M² < c·topK·N, and the default limit grows with the table:
 * `max(5000, 5·√(topK·N))` (c = 25, measured on 384 dims: 5,000 rows at 100k;
 * at 1M, a 1% filter takes 14 ms exact against 40 ms iterative). An explicit
 * `exactFilterRows` is a fixed limit.
 */
export async function prefersExact(
  context: SearchContext,
  where: SQL,
  topK: number,
  options: PgvectorSearchOptions,
): Promise<boolean> {
  const fixed = options.exactFilterRows
  if (context.vectorIndex === undefined || fixed === 0) return false
  const root = await filterPlan(context, where)
  if (root === undefined || !usesIndex(root)) return false
  const rows = Number(root['Plan Rows'])
  if (rows <= (fixed ?? EXACT_FILTER_ROWS)) return true
  if (fixed !== undefined) return false
  const tableRows = Number((await filterPlan(context, sql`true`))?.['Plan Rows'] ?? 0)
  return rows <= 5 * Math.sqrt(topK * tableRows)
}

async function filterPlan(context: SearchContext, where: SQL): Promise<PlanNode | undefined> {
  return planOf(rowsOf(await context.db.execute(filterPlanQuery(context.target, where))))
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
