import type { SQL } from 'drizzle-orm'
import type { SearchHit } from '../core/backend.js'
import { type DistanceMetric, float32ErrorBound, vectorNorm } from '../core/metric.js'
import { compareIds } from '../core/validate.js'
import { rowsOf } from './connection.js'
import { engineQuery, exactScores, mayTie, parseVectorText } from './exact-scores.js'
import {
  MAX_TIE_ROWS,
  type Row,
  type SearchContext,
  sortRows,
  type VectorRow,
  vectorsOf,
} from './search-context.js'
import { exactSearchQuery } from './sql.js'

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
export async function exactSearch(
  context: SearchContext,
  literal: string,
  topK: number,
  where: SQL,
): Promise<SearchHit[]> {
  const { metric, vectorType } = context.target
  const query = engineQuery(literal, vectorType)
  const error = float32ErrorBound(query.length)
  for (
    let limit = topK + 1 + EXACT_EXTRA_ROWS;
    ;
    limit = Math.min(topK + MAX_TIE_ROWS, 4 * limit)
  ) {
    const search = exactSearchQuery(context.target, literal, limit, topK + 1, where)
    const rows = sortRows(rowsOf(await context.db.execute(search)))
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

function largestNorm(rows: readonly Row[]): number {
  let largest = 0
  for (const row of rows)
    largest = Math.max(largest, vectorNorm(parseVectorText(row.vector ?? '[]')))
  return largest
}
