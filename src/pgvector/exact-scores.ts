import { type DistanceMetric, referenceScore } from '../core/metric.js'
import type { VectorType } from './table-spec.js'

/**
 * Exact scores on pgvector: the engine sums in float32, so two rows with the
 * same similarity can come back a few ulps apart, in either order. Rows
 * whose distances are that close are re-scored here with `referenceScore`
 * (double precision) from their stored values, as the in-memory backend does.
 */

/** A vector printed by pgvector (`[1,0.5,-2e-08]`) as its stored float32 values. */
export function parseVectorText(text: string): Float32Array {
  // pgvector prints the shortest decimal of each float32, which JSON.parse and float32 rounding restore.
  return Float32Array.from(JSON.parse(text) as number[])
}

/** The query as the engine compares it: the literal's float32 values, rounded to half in a halfvec column. */
export function engineQuery(literal: string, vectorType: VectorType): Float32Array {
  const query = parseVectorText(literal)
  return vectorType === 'halfvec' ? query.map(toHalf) : query
}

/**
 * Could two distances from the engine hide an exact tie? `error` is a
 * float32 error bound relative to |q|·|v| (see `float32ErrorBound`):
 * a cosine distance is off by up to 2·error (dot product and norms), an l2
 * distance (a square root) by error/2 of itself, and a negative dot product
 * by error·|q|·|v|, where `ipScale` stands for |q|·|v|.
 */
export function mayTie(
  metric: DistanceMetric,
  a: number,
  b: number,
  error: number,
  ipScale: number,
): boolean {
  const gap = Math.abs(a - b)
  if (metric === 'cosine') return gap <= 4 * error
  if (metric === 'l2') return gap <= error * Math.max(a, b)
  return gap <= 2 * error * ipScale
}

/** A row with its exact score. */
export interface Scored<T> {
  readonly row: T
  readonly score: number
}

/** Exact scores of rows with their vectors as text, best first, ties by id (NaN last). */
export function exactScores<T extends { readonly id: string; readonly vector: string }>(
  metric: DistanceMetric,
  query: Float32Array,
  rows: readonly T[],
  compareIds: (a: string, b: string) => number,
): Scored<T>[] {
  const scored = rows.map((row) => {
    const score = referenceScore(metric, query, parseVectorText(row.vector))
    return { row, score, key: Number.isNaN(score) ? -Infinity : score }
  })
  scored.sort((a, b) => b.key - a.key || compareIds(a.row.id, b.row.id))
  return scored.map(({ row, score }) => ({ row, score }))
}

/** Rounds a float32 value to the nearest half-precision value (ties to even), as pgvector does. */
export function toHalf(value: number): number {
  const magnitude = Math.abs(value)
  if (magnitude === 0 || !Number.isFinite(magnitude)) return value
  let exponent = Math.max(Math.floor(Math.log2(magnitude)), -14)
  if (exponent > -14 && 2 ** exponent > magnitude) exponent--
  if (2 ** (exponent + 1) <= magnitude) exponent++
  // Half precision keeps 10 bits after the leading one (subnormals: steps of 2^-24).
  const step = 2 ** (Math.max(exponent, -14) - 10)
  const units = magnitude / step
  let rounded = Math.round(units)
  if (rounded - units === 0.5 && rounded % 2 === 1) rounded--
  return Math.sign(value) * rounded * step
}
