import { type Filter, matchesFilter, parseFilter } from '../../src/core/filter.js'
import type { Payload } from '../../src/core/json.js'
import { type DistanceMetric, referenceScore } from '../../src/core/metric.js'
import { compareIds } from '../../src/core/validate.js'

interface Stored {
  readonly vector: Float32Array
  readonly payload: Payload
}

/**
 * What every backend must answer, computed the plainest way: entries in a
 * map, filters by the reference evaluator, scores by `referenceScore` in
 * double precision on the float32 values a backend stores (and the float32
 * query it compares), ties by id.
 */
export class ReferenceStore {
  readonly metric: DistanceMetric
  readonly #entries = new Map<string, Stored>()
  #sortedIds: string[] | undefined

  constructor(metric: DistanceMetric) {
    this.metric = metric
  }

  get size(): number {
    return this.#entries.size
  }

  upsert(id: string, vector: readonly number[], payload: Payload): void {
    if (!this.#entries.has(id)) this.#sortedIds = undefined
    this.#entries.set(id, { vector: Float32Array.from(vector), payload: structuredClone(payload) })
  }

  delete(id: string): void {
    if (this.#entries.delete(id)) this.#sortedIds = undefined
  }

  deleteWhere(filter: Filter): void {
    for (const id of this.matching(filter)) this.delete(id)
  }

  has(id: string): boolean {
    return this.#entries.has(id)
  }

  get(id: string): Stored | undefined {
    return this.#entries.get(id)
  }

  /** Every id, in code point order. */
  ids(): readonly string[] {
    this.#sortedIds ??= [...this.#entries.keys()].sort(compareIds)
    return this.#sortedIds
  }

  /** The ids matching a filter, in code point order. */
  matching(filter: Filter): string[] {
    const node = parseFilter(filter)
    return this.ids().filter((id) => matchesFilter(node, (this.#entries.get(id) as Stored).payload))
  }

  /** The exact score of an entry for a query (as float32, like every backend takes it). */
  score(query: readonly number[] | Float32Array, id: string): number {
    const stored = this.#entries.get(id) as Stored
    return referenceScore(this.metric, Float32Array.from(query), stored.vector)
  }

  /** The exact top k among the matching entries: best first, ties by id. */
  search(query: readonly number[], topK: number, filter: Filter): { id: string; score: number }[] {
    const q = Float32Array.from(query)
    return this.matching(filter)
      .map((id) => ({ id, score: this.score(q, id) }))
      .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
      .slice(0, topK)
  }

  /** One page of `listWhere`. */
  list(filter: Filter, limit: number, after: string | undefined): string[] {
    const ids = this.matching(filter)
    const start = after === undefined ? 0 : ids.filter((id) => compareIds(id, after) <= 0).length
    return ids.slice(start, start + limit)
  }
}
