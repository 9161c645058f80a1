import { InvalidArgumentError } from './errors.js'

/**
 * How similarity is measured. Scores are always "higher is better":
 *
 * | metric | score                                   |
 * | ------ | --------------------------------------- |
 * | COSINE | cosine similarity, in [-1, 1]           |
 * | L2     | 1 / (1 + euclidean distance), in (0, 1] |
 * | IP     | raw dot product q · v                   |
 *
 * Engines report distances in their own ways (Chroma: `1 - cos`, squared L2,
 * `1 - dot`; pgvector: `<=>` is `1 - cos`, `<->` is L2, and `<#>` is the
 * *negative* dot product); each backend converts them to these scores so the
 * same data gives the same scores and order everywhere.
 */
export const DistanceMetric = {
  COSINE: 'cosine',
  L2: 'l2',
  IP: 'ip',
} as const

/** One of `'cosine'`, `'l2'`, `'ip'`. */
export type DistanceMetric = (typeof DistanceMetric)[keyof typeof DistanceMetric]

/** Every metric, in a fixed order. */
export const DISTANCE_METRICS: readonly DistanceMetric[] = Object.values(DistanceMetric)

/** Checks a metric given at runtime; an unknown one never falls through to another. */
export function parseMetric(metric: unknown): DistanceMetric {
  if (DISTANCE_METRICS.includes(metric as DistanceMetric)) return metric as DistanceMetric
  throw new InvalidArgumentError(
    `unknown metric ${JSON.stringify(String(metric))}: expected one of ${DISTANCE_METRICS.join(', ')}`,
  )
}

/** Score from a euclidean distance (L2). */
export function scoreFromL2Distance(distance: number): number {
  return 1 / (1 + distance)
}

/**
 * The reference score of two vectors, computed in double precision. Every
 * exact search returns this score of the stored float32 values and the
 * float32 query, so equal similarities (duplicates, vectors scaled by a power
 * of two under COSINE) come back exactly equal and ordered by id.
 */
export function referenceScore(
  metric: DistanceMetric,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): number {
  let dot = 0
  let na = 0
  let nb = 0
  let sq = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number
    const y = b[i] as number
    dot += x * y
    na += x * x
    nb += y * y
    sq += (x - y) * (x - y)
  }
  if (metric === 'l2') return scoreFromL2Distance(Math.sqrt(sq))
  if (metric === 'ip') return dot
  // Rounding can push a cosine a hair past ±1.
  return Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb)))
}

/**
 * A bound on the rounding error of a similarity that an engine computes in
 * float32 over `dim` dimensions, relative to |q|·|v| (for a squared L2
 * distance: relative to the distance itself). A float32 sum of n products
 * is off by at most about n·2^-24 of the sum of their magnitudes, however
 * the engine orders its additions; norms and the final division add a few
 * steps more. Engines' distances closer than this may hide an exact tie.
 * @internal
 */
export function float32ErrorBound(dim: number): number {
  return (dim + 32) * 2 ** -24
}

/**
 * The error float32 rounding typically makes over `dim` dimensions, in the
 * units of {@link float32ErrorBound}: rounding errors of a sum mostly cancel,
 * growing like √n rather than n. Approximate searches look for hidden ties
 * within it, which costs a round trip for a few percent of queries (the
 * bound would for a quarter to half of them); exact searches use the bound.
 * @internal
 */
export function float32TypicalError(dim: number): number {
  return 2 * Math.sqrt(dim + 16) * 2 ** -24
}

/** A float32 vector's euclidean norm, in double precision. @internal */
export function vectorNorm(vector: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < vector.length; i++) sum += (vector[i] as number) * (vector[i] as number)
  return Math.sqrt(sum)
}
