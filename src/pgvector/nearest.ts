import { type SQL, sql } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { Vector } from '../core/backend.js'
import type { DistanceMetric } from '../core/metric.js'
import { validateVector } from '../core/validate.js'
import { checkVectorRange } from './table-spec.js'
import { METRIC_SQL, specOfTable } from './vector-table.js'
import { vectorLiteral } from './vector-text.js'

/** What {@link nearest} gives a query of your own. */
export interface NearestTo {
  /** The distance to the query vector: order by it, ascending, so the vector index serves the query. */
  readonly distance: SQL<number>
  /** The spec's score of that distance (higher is better): select it, never order by it. */
  readonly score: SQL<number>
}

/**
 * The nearest-neighbour ordering and the score of a vector table for your own
 * Drizzle queries, with joins and predicates of your own. `orderBy(distance)`
 * is the form a vector index can serve; ordering by the score (or by
 * `1 - distance`, as Drizzle's guide does) cannot, and scans the table. The
 * metric is the table's vector index's (else `options.metric`, else cosine).
 *
 * @example
 * ```ts
 * const { distance, score } = nearest(chunks, queryVector)
 * const rows = await db
 *   .select({ id: chunks.id, author: users.name, score })
 *   .from(chunks)
 *   .innerJoin(users, eq(chunks.userId, users.id))
 *   .where(eq(users.team, 'search'))
 *   .orderBy(distance)
 *   .limit(10)
 * ```
 */
export function nearest(
  table: PgTable,
  vector: Vector,
  options: { readonly metric?: DistanceMetric } = {},
): NearestTo {
  const spec = specOfTable(table, options.metric)
  const query = checkVectorRange(
    spec.vectorType,
    validateVector(vector, spec.dimensions, spec.metric),
  )
  const { operator } = METRIC_SQL[spec.metric]
  const column = (table as unknown as Record<'embedding', SQL.Aliased | SQL>).embedding
  const distance = sql<number>`(${column} ${sql.raw(operator)} ${vectorLiteral(query)}::${sql.raw(spec.vectorType)})`
  return {
    distance: distance.mapWith(Number),
    score: scoreOf(spec.metric, distance),
  }
}

// The score table of DistanceMetric, in SQL.
function scoreOf(metric: DistanceMetric, distance: SQL<number>): SQL<number> {
  const scored =
    metric === 'cosine'
      ? sql<number>`(1 - ${distance})`
      : metric === 'l2'
        ? sql<number>`(1 / (1 + ${distance}))`
        : sql<number>`(-${distance})`
  return scored.mapWith(Number)
}
