import type { SearchHit } from '../core/backend.js'
import type { Payload } from '../core/json.js'
import { MAX_RESULTS } from '../core/validate.js'
import { decodeSource, type RecordBackend, splitChunkId } from './source-records.js'

// A replacement seen half-done makes the search run again; a few rounds at most.
const MAX_ROUNDS = 4

/**
 * A search whose hits all belong to the current version of their source,
 * for backends whose changes are not atomic (Chroma): a chunk written by
 * `index` is kept only when its source's record lists it. New chunks are
 * written before the record that lists them, old ones deleted after it, so
 * dropping the others leaves one whole version of each source. When hits
 * were dropped, the search runs again for `topK` more, until it has enough.
 */
export async function currentHits(
  backend: RecordBackend,
  search: (topK: number) => Promise<SearchHit<Payload>[]>,
  topK: number,
): Promise<SearchHit<Payload>[]> {
  let k = topK
  for (let round = 1; ; round++) {
    const hits = await search(k)
    const kept = await keepCurrent(backend, hits)
    const dropped = hits.length - kept.length
    const exhausted = hits.length < k || k >= MAX_RESULTS
    if (dropped === 0 || kept.length >= topK || exhausted || round === MAX_ROUNDS) {
      return kept.slice(0, topK)
    }
    k = Math.min(MAX_RESULTS, k + dropped + topK)
  }
}

async function keepCurrent(
  backend: RecordBackend,
  hits: readonly SearchHit<Payload>[],
): Promise<SearchHit<Payload>[]> {
  const indexed = hits.filter((hit) => typeof hit.payload['content_hash'] === 'string')
  if (indexed.length === 0) return [...hits]
  const keys = [...new Set(indexed.map((hit) => splitChunkId(hit.id).key))]
  const listed = new Map<string, Set<string>>()
  for (const record of await backend.getRecords(keys)) {
    const state = decodeSource(record)
    if (state) listed.set(record.key, new Set([...state.chunks, ...state.stale]))
  }
  return hits.filter((hit) => {
    if (typeof hit.payload['content_hash'] !== 'string') return true
    const { key, suffix } = splitChunkId(hit.id)
    return listed.get(key)?.has(suffix) === true
  })
}
