import type { SearchHit, StoredRecord } from '../core/backend.js'
import { BackendQueryError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { type DistanceMetric, float32TypicalError, referenceScore } from '../core/metric.js'
import { compareIds } from '../core/validate.js'
import type { ChromaCollectionLike, ChromaWhere } from './chroma-api.js'
import { fromMetadata } from './payload-mapping.js'

/** Most results one search fetches while it widens to settle ties at the top-k boundary. */
export const MAX_FETCH = 20_000
/** Entries per request when an exact pass reads the matching entries with their vectors. */
const EXACT_PAGE = 1000

interface Row {
  readonly id: string
  readonly distance: number
  readonly metadata: Record<string, unknown> | null
}

/**
 * Nearest neighbours, best first, with the spec's scores and ties broken by
 * id: exactly `min(topK, matching entries)` of them.
 *
 * Chroma's HNSW index can return fewer entries than asked although more
 * match (measured on server 1.0.0: often under IP and after updates, and
 * for filters matching a few entries). One row more than asked is fetched;
 * when fewer than `topK` come back and more may match (unfiltered: the
 * collection count says; filtered: no cheap count exists), the answer is
 * computed by an exact pass over the matching entries instead (see
 * {@link exactNearest}). A search that is not short pays nothing for this.
 *
 * Chroma orders equal distances arbitrarily and computes them in float32:
 * when the extra row may tie with the k-th, the fetch widens until the tie is
 * settled (or everything matching is fetched, or {@link MAX_FETCH}), and rows
 * whose distances may hide a tie are re-scored exactly (see {@link settle}).
 */
export async function nearest(
  collection: ChromaCollectionLike,
  query: number[],
  topK: number,
  where: ChromaWhere | undefined,
  metric: DistanceMetric,
): Promise<SearchHit[]> {
  const error = float32TypicalError(query.length)
  let wanted = Math.min(topK + 1, MAX_FETCH)
  for (;;) {
    const result = await collection.query({
      queryEmbeddings: [query],
      nResults: wanted,
      ...(where && { where }),
      include: ['metadatas', 'distances'],
    })
    const rows = toRows(result.ids[0] ?? [], result.distances[0] ?? [], result.metadatas[0] ?? [])
    rows.sort((a, b) => a.distance - b.distance || compareIds(a.id, b.id))
    if (rows.length < topK && (await mayMatchMore(collection, where, rows.length))) {
      return exactNearest(collection, query, topK, where, metric)
    }
    if (rows.length < wanted || wanted >= MAX_FETCH || !tiedAtBoundary(rows, topK, metric, error)) {
      return settle(collection, query, rows, metric, error, topK)
    }
    wanted = Math.min(wanted * 2, MAX_FETCH)
  }
}

// Could entries the search did not return match? Unfiltered, the count tells.
async function mayMatchMore(
  collection: ChromaCollectionLike,
  where: ChromaWhere | undefined,
  returned: number,
): Promise<boolean> {
  return where !== undefined || (await collection.count()) > returned
}

/**
 * The exact top k: every matching entry is read with its vector, a page at
 * a time, and scored with `referenceScore` (double precision): one pass over
 * the matching entries, which is also how their number is learnt.
 */
export async function exactNearest(
  collection: ChromaCollectionLike,
  query: number[],
  topK: number,
  where: ChromaWhere | undefined,
  metric: DistanceMetric,
): Promise<SearchHit[]> {
  const q = Float32Array.from(query)
  const scored = new Map<string, { score: number; metadata: Record<string, unknown> | null }>()
  for (let offset = 0; ; offset += EXACT_PAGE) {
    const page = await collection.get({
      ...(where && { where }),
      limit: EXACT_PAGE,
      offset,
      include: ['embeddings', 'metadatas'],
    })
    page.ids.forEach((id, i) => {
      const vector = Float32Array.from(page.embeddings[i] ?? [])
      scored.set(id, {
        score: referenceScore(metric, q, vector),
        metadata: page.metadatas[i] ?? null,
      })
    })
    if (page.ids.length < EXACT_PAGE) break
  }
  return [...scored]
    .sort(([a, x], [b, y]) => y.score - x.score || compareIds(a, b))
    .slice(0, topK)
    .map(([id, { score, metadata }]) => ({ id, score, payload: fromMetadata(metadata) }))
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
 * Could two Chroma distances hide an exact tie? Chroma computes them in
 * float32 (under cosine, on vectors it normalized in float32): `1 - cos` is
 * off by about 2·error, squared l2 by error of itself, `1 - dot` by
 * error·|q|·|v|, for which the larger of 1 and |dot| stands in. `error` is
 * the typical float32 error (see `float32TypicalError`).
 */
export function mayTie(metric: DistanceMetric, a: number, b: number, error: number): boolean {
  const gap = Math.abs(a - b)
  if (metric === 'cosine') return gap <= 4 * error
  if (metric === 'l2') return gap <= 2 * error * Math.max(a, b)
  return gap <= 2 * error * Math.max(1, Math.abs(1 - a), Math.abs(1 - b))
}

// Does the last fetched row (rows are sorted) tie with the k-th? Then rows not fetched may tie with it too.
function tiedAtBoundary(
  rows: readonly Row[],
  topK: number,
  metric: DistanceMetric,
  error: number,
): boolean {
  const kth = rows[topK - 1]
  const last = rows[rows.length - 1]
  return (
    kth !== undefined && last !== undefined && mayTie(metric, kth.distance, last.distance, error)
  )
}

/**
 * Hits from sorted rows: scores from Chroma's distances, except in runs of
 * rows whose distances may hide a tie; those are read with their vectors and
 * re-scored exactly (`referenceScore`), so equal similarities tie exactly and
 * break by id. Best first, ties by id.
 */
async function settle(
  collection: ChromaCollectionLike,
  query: number[],
  rows: readonly Row[],
  metric: DistanceMetric,
  error: number,
  topK: number,
): Promise<SearchHit[]> {
  const tied = new Set<string>()
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1] as Row
    const b = rows[i] as Row
    if (mayTie(metric, a.distance, b.distance, error)) tied.add(a.id).add(b.id)
  }
  const exact =
    tied.size === 0 ? new Map<string, number>() : await rescore(collection, query, tied, metric)
  return rows
    .map((row) => ({
      id: row.id,
      score: exact.get(row.id) ?? scoreFromDistance(metric, row.distance),
      metadata: row.metadata,
    }))
    .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
    .slice(0, topK)
    .map(({ id, score, metadata }) => ({ id, score, payload: fromMetadata(metadata) }))
}

// Exact scores of these entries from their stored vectors (entries deleted meanwhile are left out).
async function rescore(
  collection: ChromaCollectionLike,
  query: number[],
  ids: ReadonlySet<string>,
  metric: DistanceMetric,
): Promise<Map<string, number>> {
  const q = Float32Array.from(query)
  const page = await collection.get({ ids: [...ids], include: ['embeddings'] })
  return new Map(
    page.ids.map((id, i) => [
      id,
      referenceScore(metric, q, Float32Array.from(page.embeddings[i] ?? [])),
    ]),
  )
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
