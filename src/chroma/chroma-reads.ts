import type { SearchHit, StoredRecord } from '../core/backend.js'
import { BackendQueryError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import type { DistanceMetric } from '../core/metric.js'
import { compareIds } from '../core/validate.js'
import type { ChromaCollectionLike, ChromaWhere } from './chroma-api.js'
import { fromMetadata } from './payload-mapping.js'

/** Most results one search fetches while it widens to settle ties at the top-k boundary. */
export const MAX_FETCH = 20_000

interface Row {
  readonly id: string
  readonly distance: number
  readonly metadata: Record<string, unknown> | null
}

/**
 * Nearest neighbours, best first, with the spec's scores and ties broken by
 * id ascending. Chroma orders equal distances arbitrarily, so one more row
 * than asked for is fetched: when it ties with the k-th, entries beyond it
 * may tie too, and the fetch widens until the tie is settled (or everything
 * matching is fetched, or {@link MAX_FETCH}), then rows are ranked here.
 */
export async function nearest(
  collection: ChromaCollectionLike,
  query: number[],
  topK: number,
  where: ChromaWhere | undefined,
  metric: DistanceMetric,
): Promise<SearchHit[]> {
  let wanted = Math.min(topK + 1, MAX_FETCH)
  for (;;) {
    const result = await collection.query({
      queryEmbeddings: [query],
      nResults: wanted,
      ...(where && { where }),
      include: ['metadatas', 'distances'],
    })
    const rows = toRows(result.ids[0] ?? [], result.distances[0] ?? [], result.metadatas[0] ?? [])
    if (rows.length < wanted || wanted >= MAX_FETCH || !tiedAtBoundary(rows, topK, metric)) {
      return rank(rows, topK, metric)
    }
    wanted = Math.min(wanted * 2, MAX_FETCH)
  }
}

function toRows(
  ids: readonly string[],
  distances: readonly (number | null)[],
  metadatas: readonly (Record<string, unknown> | null)[],
): Row[] {
  return ids.map((id, i) => {
    const distance = distances[i]
    if (typeof distance !== 'number' || Number.isNaN(distance)) {
      throw new BackendQueryError('search', 'Chroma returned a result without a distance')
    }
    return { id, distance, metadata: metadatas[i] ?? null }
  })
}

/**
 * Distances this close are one tie. Chroma computes them in float32, so
 * entries with equal similarity can differ in the last bits (cosine
 * normalizes each vector in float32): about 4 float32 ulps. Squared l2
 * distances carry a relative error; `1 - cos` and `1 - dot` an error
 * relative to the larger of 1 and the distance.
 */
export const TIE_TOLERANCE = 2 ** -21

function ties(metric: DistanceMetric, a: number, b: number): boolean {
  const scale = metric === 'l2' ? Math.max(a, b) : Math.max(1, Math.abs(a), Math.abs(b))
  return Math.abs(a - b) <= TIE_TOLERANCE * scale
}

// Does the last fetched row tie with the k-th? Then rows not fetched may tie with it too.
function tiedAtBoundary(rows: readonly Row[], topK: number, metric: DistanceMetric): boolean {
  const sorted = rows.map((row) => row.distance).sort((a, b) => a - b)
  const kth = sorted[topK - 1]
  const last = sorted[sorted.length - 1]
  return kth !== undefined && last !== undefined && ties(metric, kth, last)
}

// Nearest first; a run of tied distances (within TIE_TOLERANCE of its first) in id order.
function rank(rows: readonly Row[], topK: number, metric: DistanceMetric): SearchHit[] {
  const sorted = [...rows].sort((a, b) => a.distance - b.distance || compareIds(a.id, b.id))
  const ranked: Row[] = []
  for (let start = 0; start < sorted.length && ranked.length < topK;) {
    const first = (sorted[start] as Row).distance
    let end = start + 1
    while (end < sorted.length && ties(metric, first, (sorted[end] as Row).distance)) end++
    ranked.push(...sorted.slice(start, end).sort((a, b) => compareIds(a.id, b.id)))
    start = end
  }
  return ranked.slice(0, topK).map((row) => ({
    id: row.id,
    score: scoreFromDistance(metric, row.distance),
    payload: fromMetadata(row.metadata),
  }))
}

/**
 * Chroma's distances to the spec's scores: cosine `1 - d` (d = 1 - cos),
 * l2 `1 / (1 + sqrt(d))` (d is the squared distance), ip `1 - d` (d = 1 - dot).
 */
export function scoreFromDistance(metric: DistanceMetric, distance: number): number {
  if (metric === 'l2') return 1 / (1 + Math.sqrt(Math.max(0, distance)))
  if (metric === 'ip') return 1 - distance
  return Math.min(1, Math.max(-1, 1 - distance))
}

/** Every id matching `where` (all ids when undefined), paged with `get`. */
export async function allIds(
  collection: ChromaCollectionLike,
  where: ChromaWhere | undefined,
  pageSize: number,
): Promise<string[]> {
  const ids: string[] = []
  for (let offset = 0; ; offset += pageSize) {
    const page = await collection.get({
      ...(where && { where }),
      limit: pageSize,
      offset,
      include: [],
    })
    ids.push(...page.ids)
    if (page.ids.length < pageSize) return ids
  }
}

/** The payloads of these ids (those that still exist), fetched in batches. */
export async function payloadsOf(
  collection: ChromaCollectionLike,
  ids: readonly string[],
  batchSize: number,
): Promise<Map<string, Payload>> {
  const found = await fetchByIds(collection, ids, batchSize, false)
  return new Map([...found].map(([id, entry]) => [id, entry.payload]))
}

/** The entries with these ids (those that exist), vectors included, fetched in batches. */
export async function recordsOf(
  collection: ChromaCollectionLike,
  ids: readonly string[],
  batchSize: number,
): Promise<Map<string, StoredRecord>> {
  return fetchByIds(collection, ids, batchSize, true)
}

async function fetchByIds(
  collection: ChromaCollectionLike,
  ids: readonly string[],
  batchSize: number,
  withVectors: boolean,
): Promise<Map<string, StoredRecord>> {
  const unique = [...new Set(ids)]
  const found = new Map<string, StoredRecord>()
  for (let start = 0; start < unique.length; start += batchSize) {
    const page = await collection.get({
      ids: unique.slice(start, start + batchSize),
      include: withVectors ? ['metadatas', 'embeddings'] : ['metadatas'],
    })
    page.ids.forEach((id, i) => {
      const vector = Float32Array.from(page.embeddings[i] ?? [])
      found.set(id, { id, vector, payload: fromMetadata(page.metadatas[i]) })
    })
  }
  return found
}
