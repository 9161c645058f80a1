import { join } from 'node:path'
import { seededRandom } from './stats.js'

/** The synthetic scaling set: 384-dim vectors in gaussian clusters, compared by cosine. */
export const SYNTHETIC_DIM = 384
const CLUSTERS = 100
/** Per-coordinate spread around a centroid: neighbours are mostly, not only, in the same cluster. */
const SPREAD = 0.04
const CENTROID_SEED = 7
const CORPUS_SEED = 11
const QUERY_SEED = 13

/** Standard normal samples from a seeded uniform source (Box-Muller). */
function gaussian(random: () => number): () => number {
  let spare: number | undefined
  return () => {
    if (spare !== undefined) {
      const value = spare
      spare = undefined
      return value
    }
    const u = 1 - random()
    const v = random()
    const radius = Math.sqrt(-2 * Math.log(u))
    spare = radius * Math.sin(2 * Math.PI * v)
    return radius * Math.cos(2 * Math.PI * v)
  }
}

function centroids(dim: number): Float32Array {
  const normal = gaussian(seededRandom(CENTROID_SEED))
  const data = new Float32Array(CLUSTERS * dim)
  for (let c = 0; c < CLUSTERS; c++) {
    const row = data.subarray(c * dim, (c + 1) * dim)
    let norm = 0
    for (let d = 0; d < dim; d++) {
      row[d] = normal()
      norm += (row[d] as number) ** 2
    }
    for (let d = 0; d < dim; d++) row[d] = (row[d] as number) / Math.sqrt(norm)
  }
  return data
}

/**
 * `count` points in row-major chunks of at most `chunk` rows; the same seed gives the same points.
 * Other dimensions scale the spread so the noise has the same norm as at 384.
 */
function* clustered(
  count: number,
  seed: number,
  chunk: number,
  dim = SYNTHETIC_DIM,
): Generator<Float32Array> {
  const centres = centroids(dim)
  const spread = SPREAD * Math.sqrt(SYNTHETIC_DIM / dim)
  const random = seededRandom(seed)
  const normal = gaussian(seededRandom(seed + 1))
  for (let start = 0; start < count; start += chunk) {
    const rows = Math.min(chunk, count - start)
    const data = new Float32Array(rows * dim)
    for (let i = 0; i < rows; i++) {
      const c = Math.floor(random() * CLUSTERS)
      for (let d = 0; d < dim; d++) {
        data[i * dim + d] = (centres[c * dim + d] as number) + spread * normal()
      }
    }
    yield data
  }
}

/** The clustered set at another dimension: `count` corpus points and `queries` query points. */
export function clusteredAt(
  dim: number,
  count: number,
  queries: number,
): { corpus: Float32Array; queries: Float32Array } {
  return {
    corpus: clustered(count, CORPUS_SEED, count, dim).next().value as Float32Array,
    queries: clustered(queries, QUERY_SEED, queries, dim).next().value as Float32Array,
  }
}

/** The corpus in chunks, so a caller need not hold all of it (a prefix of every larger corpus). */
export function syntheticCorpusChunks(count: number, chunk = 10_000): Generator<Float32Array> {
  return clustered(count, CORPUS_SEED, chunk)
}

/** The first `count` corpus points in one block. */
export function syntheticCorpus(count: number): Float32Array {
  const data = new Float32Array(count * SYNTHETIC_DIM)
  let offset = 0
  for (const part of syntheticCorpusChunks(count)) {
    data.set(part, offset)
    offset += part.length
  }
  return data
}

/** Query points from the same distribution, never in the corpus. */
export function syntheticQueries(count: number): Float32Array {
  return clustered(count, QUERY_SEED, count).next().value as Float32Array
}

export function syntheticRow(data: Float32Array, i: number): Float32Array {
  return data.subarray(i * SYNTHETIC_DIM, (i + 1) * SYNTHETIC_DIM)
}

/** Human-readable corpus size: 10k, 100k, 1M. */
export function sizeLabel(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n)
}

export const SYNTHETIC_CACHE_DIR = new URL('../.cache/', import.meta.url).pathname

/** Where the exact top-10 of the first `queries` queries over the first `size` points is kept. */
export function syntheticTruthFile(size: number, queries: number): string {
  return join(SYNTHETIC_CACHE_DIR, `synthetic-cosine-top10-${size}x${queries}.json`)
}
