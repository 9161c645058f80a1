import type {
  ListedEntry,
  ListOptions,
  SearchHit,
  StoredRecord,
  Vector,
  VectorBackend,
  VectorRecord,
} from '../core/backend.js'
import { EmptyFilterError, InvalidArgumentError, NotInitializedError } from '../core/errors.js'
import { type Filter, isEmptyFilter, parseFilter } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import { parseMetric } from '../core/metric.js'
import {
  validateCount,
  validateDimensions,
  validateId,
  validateNewId,
  validateIds,
  validatePayload,
  validateRecords,
  validateVector,
} from '../core/validate.js'
import { type IndexEntry, type IndexOp, InMemoryIndex } from './in-memory-index.js'
import type { InMemoryVectorBackendConfig } from './in-memory-vector-backend-config.js'
import { SnapshotJournal } from './snapshot-journal.js'

const DEFAULT_COMPACTION_THRESHOLD = 16 * 1024 * 1024

/**
 * An exact, in-process vector index: no dependencies, ready on construction.
 * Vectors live in one contiguous float32 block scanned by a SIMD kernel;
 * `snapshotPath` persists it to a JSON snapshot plus a journal.
 *
 * @example
 * ```ts
 * const backend = new InMemoryVectorBackend({ metric: DistanceMetric.L2 })
 * await backend.upsert('a', [1, 0, 0], { lang: 'en' })
 * const hits = await backend.search([1, 0, 0], 5, { lang: 'en' })
 * ```
 */
export class InMemoryVectorBackend implements VectorBackend {
  readonly #index: InMemoryIndex
  readonly #journal: SnapshotJournal | undefined
  // Writes wait in the journal queue before they reach the index: the first one fixes the dimension.
  #claimedDim: number | undefined
  #closed = false

  constructor(config: InMemoryVectorBackendConfig = {}) {
    const metric = config.metric === undefined ? undefined : parseMetric(config.metric)
    const dim = validateDimensions(config.dim)
    if (config.snapshotPath === undefined) {
      this.#index = new InMemoryIndex(metric ?? 'cosine', dim)
      return
    }
    if (typeof config.snapshotPath !== 'string' || config.snapshotPath === '') {
      throw new InvalidArgumentError('expected snapshotPath to be a non-empty file path')
    }
    this.#journal = new SnapshotJournal(config.snapshotPath, {
      metric,
      dim,
      fsync: config.fsync ?? true,
      compactionThresholdBytes: config.compactionThresholdBytes ?? DEFAULT_COMPACTION_THRESHOLD,
    })
    this.#index = this.#journal.index
  }

  /** Same as the constructor; here so every backend can be made with `await X.create(...)`. */
  static async create(config: InMemoryVectorBackendConfig = {}): Promise<InMemoryVectorBackend> {
    return new InMemoryVectorBackend(config)
  }

  /** Nothing to do: the backend is ready on construction. */
  async initialize(): Promise<void> {
    this.#open()
  }

  /** The metric in use. */
  get metric() {
    return this.#index.metric
  }

  /** The index dimension, once known. */
  get dim(): number | undefined {
    return this.#index.dim
  }

  async upsert(id: string, vector: Vector, payload: Payload): Promise<void> {
    const index = this.#open()
    const entry = {
      id: validateNewId(id),
      vector: validateVector(vector, this.#dim(index), index.metric),
      payload: structuredClone(validatePayload(payload)),
    }
    this.#claimedDim ??= entry.vector.length
    await this.#write({ op: 'upsert', entries: [entry] })
  }

  async upsertMany(records: readonly VectorRecord[]): Promise<void> {
    const index = this.#open()
    const entries: IndexEntry[] = validateRecords(records, this.#dim(index), index.metric).map(
      (record) => ({ ...record, payload: structuredClone(record.payload) }),
    )
    if (entries.length === 0) return
    this.#claimedDim ??= (entries[0] as IndexEntry).vector.length
    await this.#write({ op: 'upsert', entries })
  }

  async search(vector: Vector, topK: number, filters: Filter): Promise<SearchHit[]> {
    const index = this.#open()
    const query = validateVector(vector, index.dim, index.metric)
    return index.search(query, validateCount('topK', topK), parseFilter(filters))
  }

  async delete(id: string): Promise<void> {
    this.#open()
    await this.#write({ op: 'delete', ids: [validateId(id)] })
  }

  async deleteWhere(filters: Filter): Promise<void> {
    this.#open()
    if (isEmptyFilter(parseFilter(filters))) throw new EmptyFilterError('deleteWhere')
    await this.#write({ op: 'deleteWhere', filter: structuredClone(filters) })
  }

  async clearAll(): Promise<void> {
    this.#open()
    await this.#write({ op: 'clear' })
  }

  async listWhere(
    filters: Filter,
    limit: number,
    options: ListOptions = {},
  ): Promise<ListedEntry[]> {
    const index = this.#open()
    const after = options.after === undefined ? undefined : validateId(options.after)
    return index.list(parseFilter(filters), validateCount('limit', limit), after)
  }

  async getByIds(ids: readonly string[]): Promise<StoredRecord[]> {
    return this.#open().get(validateIds(ids))
  }

  async count(filters: Filter): Promise<number> {
    return this.#open().countWhere(parseFilter(filters))
  }

  /** Flushes pending writes and releases the snapshot lock; later calls fail with {@link NotInitializedError}. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#journal?.close()
  }

  #dim(index: InMemoryIndex): number | undefined {
    return index.dim ?? this.#claimedDim
  }

  #open(): InMemoryIndex {
    if (this.#closed) throw new NotInitializedError('InMemoryVectorBackend', 'closed')
    return this.#index
  }

  // With a snapshot, the journal applies the operation once it is on disk; without, apply now.
  async #write(op: IndexOp): Promise<void> {
    if (this.#journal) return this.#journal.write(op)
    this.#index.apply(op)
  }
}
