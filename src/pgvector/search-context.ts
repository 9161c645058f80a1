import type { SQL } from 'drizzle-orm'
import type { Payload } from '../core/json.js'
import { compareIds } from '../core/validate.js'
import { rowsOf, type SqlDatabase } from './connection.js'
import type { VectorIndexInfo } from './schema-sync.js'
import {
  currentSettingsQuery,
  restoreSettingsQuery,
  type QueryTarget,
  settingsQuery,
  vectorsByIdsQuery,
} from './sql.js'

/** Rows fetched beyond topK to settle ties at the cut-off. */
export const MAX_TIE_ROWS = 1000

/** Everything a search needs besides the query itself. */
export interface SearchContext {
  readonly db: SqlDatabase
  readonly target: QueryTarget
  readonly vectorIndex: VectorIndexInfo | undefined
  /** pgvector >= 0.8: `hnsw.iterative_scan` / `ivfflat.iterative_scan` exist. */
  readonly iterativeScans: boolean
  /**
   * `db` is the app's open transaction: `SET LOCAL` would outlive the search
   * (until that transaction ends), so the settings are put back after it.
   */
  readonly inTransaction?: boolean
}

/** One row of a search, as the driver returned it. */
export interface Row {
  readonly id: string
  readonly payload: Payload
  readonly distance: number
  /** The stored vector as text (exact passes only). */
  readonly vector?: string
}

/** A row with its stored vector. */
export type VectorRow = Row & { readonly vector: string }

/** Runs a query after `SET LOCAL` settings, in one transaction (safe behind transaction poolers). */
export async function runWithSettings(
  context: SearchContext,
  settings: readonly (readonly [string, string])[],
  query: SQL,
): Promise<Record<string, unknown>[]> {
  if (settings.length === 0) return rowsOf(await context.db.execute(query))
  return context.db.transaction(async (tx) => {
    const [before] = context.inTransaction
      ? rowsOf(await tx.execute(currentSettingsQuery(settings)))
      : []
    await tx.execute(settingsQuery(settings))
    const rows = rowsOf(await tx.execute(query))
    if (before !== undefined) await tx.execute(restoreSettingsQuery(settings, before))
    return rows
  })
}

/** Rows sorted by distance, then id. */
export function sortRows(rows: Record<string, unknown>[]): Row[] {
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

/** The stored vectors of some rows, as text, by id (rows deleted meanwhile are left out). */
export async function vectorsOf(
  context: SearchContext,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const rows = rowsOf(await context.db.execute(vectorsByIdsQuery(context.target, ids)))
  return new Map(rows.map((row) => [String(row['id']), String(row['vector'])]))
}
