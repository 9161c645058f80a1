import type { IndexRecord, ListedEntry, SearchHit, StoredRecord } from '../core/backend.js'
import { DimensionMismatchError } from '../core/errors.js'
import {
  type Filter,
  type FilterNode,
  isEmptyFilter,
  matchesFilter,
  parseFilter,
} from '../core/filter.js'
import type { Payload } from '../core/json.js'
import {
  type DistanceMetric,
  float32ErrorBound,
  referenceScore,
  vectorNorm,
} from '../core/metric.js'
import { checkFloats, compareIds } from '../core/validate.js'
import { type KeySlack, TopK } from './top-k.js'
import { VectorSlab } from './vector-slab.js'

/** One validated entry. */
export interface IndexEntry {
  readonly id: string
  readonly vector: Float32Array
  readonly payload: Payload
}

/** A change to the index: what the journal records, one operation per line. */
export type IndexOp =
  | { readonly op: 'upsert'; readonly entries: readonly IndexEntry[] }
  | { readonly op: 'delete'; readonly ids: readonly string[] }
  | { readonly op: 'deleteWhere'; readonly filter: Filter }
  | { readonly op: 'clear' }
  | {
      /** One `applyChange`: applied whole, journaled as one line, so a crash never leaves half of it. */
      readonly op: 'change'
      readonly delete: readonly string[]
      readonly upsert: readonly IndexEntry[]
      readonly putRecords: readonly IndexRecord[]
      readonly deleteRecords: readonly string[]
    }

/**
 * The in-memory index state: vectors in a {@link VectorSlab}, payloads and ids
 * by slot, norms cached for COSINE and IP. Takes validated input only; the backend
 * validates, persists, then applies.
 */
export class InMemoryIndex {
  readonly metric: DistanceMetric
  #dim: number | undefined
  #slab: VectorSlab | undefined
  readonly #ids: string[] = []
  readonly #payloads: Payload[] = []
  readonly #norms: number[] = []
  // The largest norm written since the last clear (an upper bound: deletes leave it), for IP.
  #maxNorm = 0
  readonly #slotOf = new Map<string, number>()
  #sortedIds: string[] | undefined
  readonly #records = new Map<string, Payload>()
  // Moves on every change of the entries: derived indexes (full text) resync when it does.
  #version = 0

  constructor(metric: DistanceMetric, dim: number | undefined) {
    this.metric = metric
    this.#dim = dim
  }

  get dim(): number | undefined {
    return this.#dim
  }

  /** Fixes the dimension before any entry exists. */
  fixDimension(dim: number): void {
    this.#dim ??= dim
  }

  get size(): number {
    return this.#ids.length
  }

  apply(op: IndexOp): void {
    if (op.op === 'upsert') {
      // Grow once up front: running out of room then leaves the index unchanged.
      if (op.entries.length > 1) this.#reserveFor(op.entries)
      for (const entry of op.entries) this.upsert(entry)
    } else if (op.op === 'delete') {
      for (const id of op.ids) this.delete(id)
    } else if (op.op === 'deleteWhere') {
      for (const id of this.idsWhere(parseFilter(op.filter))) this.delete(id)
    } else if (op.op === 'change') {
      this.#applyChange(op)
    } else {
      this.clear()
    }
  }

  // Checked before the first change, so a failure (no room) leaves the index as it was.
  #applyChange(op: Extract<IndexOp, { op: 'change' }>): void {
    if (op.upsert.length > 0) this.#reserveFor(op.upsert)
    for (const entry of op.upsert) {
      if (this.#dim !== undefined && entry.vector.length !== this.#dim) {
        throw new DimensionMismatchError(this.#dim, entry.vector.length)
      }
    }
    for (const id of op.delete) this.delete(id)
    for (const entry of op.upsert) this.upsert(entry)
    for (const record of op.putRecords) this.#records.set(record.key, record.value)
    for (const key of op.deleteRecords) this.#records.delete(key)
  }

  /** Adds a record read from a snapshot. */
  addRecord(record: IndexRecord): void {
    this.#records.set(record.key, record.value)
  }

  /** The records with these keys (copies), in the order asked; missing keys are skipped. */
  getRecords(keys: readonly string[]): IndexRecord[] {
    return keys.flatMap((key) => {
      const value = this.#records.get(key)
      return value === undefined ? [] : [{ key, value: structuredClone(value) }]
    })
  }

  /** Records whose key starts with `prefix`, in key order, after `after`, at most `limit`. */
  listRecords(prefix: string, limit: number, after: string | undefined): IndexRecord[] {
    const keys = [...this.#records.keys()]
      .filter(
        (key) => key.startsWith(prefix) && (after === undefined || compareIds(key, after) > 0),
      )
      .sort(compareIds)
      .slice(0, limit)
    return this.getRecords(keys)
  }

  /** Every record, for snapshots. */
  records(): IterableIterator<[string, Payload]> {
    return this.#records.entries()
  }

  get recordCount(): number {
    return this.#records.size
  }

  upsert(entry: IndexEntry): void {
    if (this.#dim !== undefined && entry.vector.length !== this.#dim) {
      throw new DimensionMismatchError(this.#dim, entry.vector.length)
    }
    const slab = this.#slabFor(entry.vector.length)
    const norm = this.#normOf(entry.vector)
    this.#version++
    const slot = this.#slotOf.get(entry.id)
    if (slot === undefined) {
      this.#sortedIds = undefined
      this.#slotOf.set(entry.id, slab.push(entry.vector))
      this.#ids.push(entry.id)
      this.#payloads.push(entry.payload)
      this.#norms.push(norm)
    } else {
      slab.set(slot, entry.vector)
      this.#payloads[slot] = entry.payload
      this.#norms[slot] = norm
    }
  }

  /**
   * Adds an entry read from a snapshot, its vector as base64 float32 bytes,
   * checked as a write would be. Returns false when the vector is not one
   * row of this index.
   */
  addEncoded(id: string, vectorBase64: string, payload: Payload): boolean {
    if (this.#dim === undefined || this.#slotOf.has(id)) return false
    const slab = this.#slabFor(this.#dim)
    const slot = slab.pushBase64(vectorBase64)
    if (slot === -1) return false
    try {
      checkFloats(slab.view(slot), this.metric)
    } catch (error) {
      slab.pop()
      throw error
    }
    this.#slotOf.set(id, slot)
    this.#sortedIds = undefined
    this.#version++
    this.#ids.push(id)
    this.#payloads.push(payload)
    this.#norms.push(this.#normOf(slab.view(slot)))
    return true
  }

  // Cosine keys divide by it; IP near-tie bounds scale with the largest one.
  #normOf(vector: Float32Array): number {
    if (this.metric === 'l2') return 0
    const norm = vectorNorm(vector)
    this.#maxNorm = Math.max(this.#maxNorm, norm)
    return norm
  }

  #reserveFor(entries: readonly IndexEntry[]): void {
    const dim = this.#dim ?? entries[0]?.vector.length
    if (dim !== undefined) this.#slabFor(dim).reserve(this.size + entries.length)
  }

  /** A number that changes whenever the entries may have. */
  get version(): number {
    return this.#version
  }

  /** Every entry's id and payload (the stored payload objects: read them, never change them). */
  *payloads(): IterableIterator<readonly [string, Payload]> {
    for (let slot = 0; slot < this.#ids.length; slot++) {
      yield [this.#ids[slot] as string, this.#payloads[slot] as Payload]
    }
  }

  /** Makes room for `count` entries at once. */
  reserve(count: number): void {
    if (this.#dim !== undefined) this.#slabFor(this.#dim).reserve(count)
  }

  delete(id: string): boolean {
    const slot = this.#slotOf.get(id)
    if (slot === undefined) return false
    this.#slotOf.delete(id)
    this.#sortedIds = undefined
    this.#version++
    const last = this.#ids.length - 1
    ;(this.#slab as VectorSlab).removeBySwap(slot)
    if (slot !== last) {
      const movedId = this.#ids[last] as string
      this.#ids[slot] = movedId
      this.#payloads[slot] = this.#payloads[last] as Payload
      this.#norms[slot] = this.#norms[last] as number
      this.#slotOf.set(movedId, slot)
    }
    this.#ids.pop()
    this.#payloads.pop()
    this.#norms.pop()
    return true
  }

  clear(): void {
    this.#slab?.clear()
    this.#ids.length = 0
    this.#payloads.length = 0
    this.#norms.length = 0
    this.#maxNorm = 0
    this.#slotOf.clear()
    this.#sortedIds = undefined
    this.#version++
    this.#records.clear()
  }

  /** Ids of the entries matching a filter. */
  idsWhere(filter: FilterNode): string[] {
    if (isEmptyFilter(filter)) return [...this.#ids]
    return this.#ids.filter((_, slot) => matchesFilter(filter, this.#payloads[slot] as Payload))
  }

  countWhere(filter: FilterNode): number {
    if (isEmptyFilter(filter)) return this.size
    let n = 0
    for (const payload of this.#payloads) if (matchesFilter(filter, payload)) n++
    return n
  }

  /** Entries matching a filter in id order, after `after`, at most `limit`. */
  list(filter: FilterNode, limit: number, after: string | undefined): ListedEntry[] {
    const sorted = this.#idsInOrder()
    const filtered = !isEmptyFilter(filter)
    const out: ListedEntry[] = []
    for (
      let i = after === undefined ? 0 : firstAfter(sorted, after);
      i < sorted.length && out.length < limit;
      i++
    ) {
      const slot = this.#slotOf.get(sorted[i] as string) as number
      if (!filtered || matchesFilter(filter, this.#payloads[slot] as Payload))
        out.push(this.#listed(slot))
    }
    return out
  }

  // Sorted once and kept until an id is added or removed, so paging costs a binary search per page.
  #idsInOrder(): string[] {
    this.#sortedIds ??= [...this.#ids].sort(compareIds)
    return this.#sortedIds
  }

  /**
   * Exact top-k search. `query` is validated (dimension, finite, non-zero
   * under COSINE). The kernel's float32 keys pick the winners; the rows they
   * put near the cut-off are re-scored with {@link referenceScore} (double
   * precision, from the stored float32 values), which gives the returned
   * scores and the order: equal similarities tie exactly and break by id.
   */
  search(query: Float32Array, topK: number, filter: FilterNode): SearchHit[] {
    if (this.#slab === undefined || this.size === 0) return []
    const l2 = this.metric === 'l2'
    const cosine = this.metric === 'cosine'
    const raw = this.#slab.scan(query, l2 ? 'l2sq' : 'dot')
    const filtered = !isEmptyFilter(filter)
    const norms = this.#norms
    const best = new TopK(Math.min(topK, this.size), this.#ids, this.#keySlack(query))
    for (let slot = 0; slot < raw.length; slot++) {
      // Rank by a key that orders like the score; the score itself is computed for the winners only.
      const value = raw[slot] as number
      const key = l2 ? -value : cosine ? value / (norms[slot] as number) : value
      // Valid vectors give finite keys; a NaN must never rank.
      if (Number.isNaN(key) || !best.admits(key, slot)) continue
      if (filtered && !matchesFilter(filter, this.#payloads[slot] as Payload)) continue
      best.push(key, slot)
    }
    const near = best
      .nearMisses()
      .filter((slot) => !filtered || matchesFilter(filter, this.#payloads[slot] as Payload))
    const slots = [...best.sorted().map(({ slot }) => slot), ...near]
    return this.#rescored(query, slots).slice(0, topK)
  }

  // Exact scores of these slots, best first, ties by id.
  #rescored(query: Float32Array, slots: readonly number[]): SearchHit[] {
    const slab = this.#slab as VectorSlab
    return slots
      .map((slot) => ({
        slot,
        id: this.#ids[slot] as string,
        score: referenceScore(this.metric, query, slab.view(slot)),
      }))
      .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
      .map(({ slot, score }) => ({ ...this.#listed(slot), score }))
  }

  /**
   * How far below the k-th key a row may rank and still be in the exact top
   * k: twice the float32 kernel's worst error (3× for a margin), in key units
   * (cosine keys are dot/|v|, ip keys dot products, l2 keys minus squared
   * distances). Under IP the error scales with |v|: the largest norm stands in.
   */
  #keySlack(query: Float32Array): KeySlack {
    const error = float32ErrorBound(query.length)
    if (this.metric === 'l2') return { absolute: 0, relative: 3 * error }
    const scale = vectorNorm(query) * (this.metric === 'ip' ? this.#maxNorm : 1)
    return { absolute: 3 * error * scale, relative: 0 }
  }

  /** Every entry with its vector as base64 float32 bytes, in slot order (for snapshots). */
  *encodedEntries(): Generator<{ id: string; vectorBase64: string; payload: Payload }> {
    for (let slot = 0; slot < this.#ids.length; slot++) {
      yield {
        id: this.#ids[slot] as string,
        vectorBase64: (this.#slab as VectorSlab).rowBase64(slot),
        payload: this.#payloads[slot] as Payload,
      }
    }
  }

  /** The entries with these ids (copies), in the order asked; missing ids are skipped. */
  get(ids: readonly string[]): StoredRecord[] {
    const found: StoredRecord[] = []
    for (const id of ids) {
      const slot = this.#slotOf.get(id)
      if (slot === undefined) continue
      found.push({
        id,
        vector: (this.#slab as VectorSlab).view(slot).slice(),
        payload: structuredClone(this.#payloads[slot] as Payload),
      })
    }
    return found
  }

  #listed(slot: number): ListedEntry {
    return {
      id: this.#ids[slot] as string,
      payload: structuredClone(this.#payloads[slot] as Payload),
    }
  }

  #slabFor(dim: number): VectorSlab {
    this.#dim ??= dim
    this.#slab ??= new VectorSlab(dim)
    return this.#slab
  }
}

/** Index of the first id sorting after `after`. */
function firstAfter(sorted: readonly string[], after: string): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (compareIds(sorted[mid] as string, after) <= 0) low = mid + 1
    else high = mid
  }
  return low
}
