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

/** The reference score of two vectors, computed in double precision. */
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
  return dot / Math.sqrt(na * nb)
}
