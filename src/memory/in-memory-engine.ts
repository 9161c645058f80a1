import { existsSync, statSync } from 'node:fs'
import type {
  IndexDescription,
  IndexRecord,
  ListedEntry,
  SearchHit,
  StoredRecord,
} from '../core/backend.js'
import type { EngineChange, VectorEngine } from '../core/engine.js'
import { InvalidArgumentError, UnsupportedFeatureError } from '../core/errors.js'
import type { HybridFusion } from '../core/hybrid.js'
import { fuseRankings } from '../core/hybrid.js'
import { type FilterNode, filterOf } from '../core/filter.js'
import { parseMetric } from '../core/metric.js'
import { validateDimensions, validateModel } from '../core/validate.js'
import { Bm25Index } from './bm25-index.js'
import { type IndexOp, InMemoryIndex } from './in-memory-index.js'
import type { InMemoryVectorBackendConfig } from './in-memory-vector-backend-config.js'
import { SnapshotJournal } from './snapshot-journal.js'

const DEFAULT_COMPACTION_THRESHOLD = 16 * 1024 * 1024

/**
 * The in-memory engine: reads go to the index, writes through the snapshot
 * journal when there is one (it applies them once they are on disk).
 */
export class InMemoryEngine implements VectorEngine {
  readonly #index: InMemoryIndex
  readonly #journal: SnapshotJournal | undefined
  readonly #snapshotPath: string | undefined
  readonly #model: string | undefined
  readonly #text: Bm25Index | undefined

  /** Checks the config and opens the index (loading and locking the snapshot, if any). */
  constructor(config: InMemoryVectorBackendConfig) {
    const metric = config.metric === undefined ? undefined : parseMetric(config.metric)
    const dim = validateDimensions(config.dim)
    this.#model = validateModel(config.model)
    this.#text = fullTextIndex(config.fullText)
    if (config.snapshotPath === undefined) {
      this.#index = new InMemoryIndex(metric ?? 'cosine', dim)
      return
    }
    if (typeof config.snapshotPath !== 'string' || config.snapshotPath === '') {
      throw new InvalidArgumentError('expected snapshotPath to be a non-empty file path')
    }
    this.#snapshotPath = config.snapshotPath
    this.#journal = new SnapshotJournal(config.snapshotPath, {
      metric,
      dim,
      model: this.#model,
      fsync: config.fsync ?? true,
      compactionThresholdBytes: config.compactionThresholdBytes ?? DEFAULT_COMPACTION_THRESHOLD,
    })
    this.#index = this.#journal.index
  }

  get metric() {
    return this.#index.metric
  }

  get dim(): number | undefined {
    return this.#index.dim
  }

  get model(): string | undefined {
    return this.#journal?.model ?? this.#model
  }

  get label(): string | undefined {
    return this.#snapshotPath === undefined ? undefined : `snapshot ${this.#snapshotPath}`
  }

  upsert(records: readonly StoredRecord[]): Promise<void> {
    // The index keeps the payload objects: copies, so the caller's later changes stay out.
    const entries = records.map((record) => ({
      ...record,
      payload: structuredClone(record.payload),
    }))
    return this.#write({ op: 'upsert', entries })
  }

  async search(query: Float32Array, topK: number, filter: FilterNode): Promise<SearchHit[]> {
    return this.#index.search(query, topK, filter)
  }

  /** Exact vector ranking and BM25 text ranking, fused (see `fuseRankings`). */
  async hybridSearch(
    query: { readonly vector: Float32Array; readonly text: string },
    topK: number,
    filter: FilterNode,
    fusion: HybridFusion,
  ): Promise<SearchHit[]> {
    const text = this.#text
    if (text === undefined) {
      throw new UnsupportedFeatureError(
        'hybridSearch',
        'this InMemoryVectorBackend has no full text: create it with fullText: { source }',
      )
    }
    const index = this.#index
    text.sync(index.version, () => index.payloads())
    const vectorIds = index.search(query.vector, fusion.candidates, filter).map((hit) => hit.id)
    const textIds = text.rank(query.text, filter, fusion.candidates)
    const fused = fuseRankings(vectorIds, textIds, fusion, topK)
    const payloads = new Map(index.get(fused.map(({ id }) => id)).map((r) => [r.id, r.payload]))
    return fused.map(({ id, score }) => ({ id, score, payload: payloads.get(id) ?? {} }))
  }

  delete(ids: readonly string[]): Promise<void> {
    return this.#write({ op: 'delete', ids })
  }

  deleteWhere(filter: FilterNode): Promise<void> {
    // Journaled as a filter, applied in journal order: it also deletes writes queued before it.
    return this.#write({ op: 'deleteWhere', filter: filterOf(filter) })
  }

  clearAll(): Promise<void> {
    return this.#write({ op: 'clear' })
  }

  async list(filter: FilterNode, limit: number, after: string | undefined): Promise<ListedEntry[]> {
    return this.#index.list(filter, limit, after)
  }

  async count(filter: FilterNode): Promise<number> {
    return this.#index.countWhere(filter)
  }

  async getByIds(ids: readonly string[]): Promise<StoredRecord[]> {
    return this.#index.get(ids)
  }

  /** Readers see all of a change or none: it is applied in one synchronous step. */
  readonly atomicChanges = true

  /** One journal line and one step in memory: a crash keeps all of it or none. */
  applyChange(change: EngineChange): Promise<void> {
    return this.#write({
      op: 'change',
      delete: change.delete,
      upsert: change.upsert.map((record) => ({
        ...record,
        payload: structuredClone(record.payload),
      })),
      putRecords: structuredClone(change.putRecords),
      deleteRecords: change.deleteRecords,
    })
  }

  async getRecords(keys: readonly string[]): Promise<IndexRecord[]> {
    return this.#index.getRecords(keys)
  }

  async listRecords(
    prefix: string,
    limit: number,
    after: string | undefined,
  ): Promise<IndexRecord[]> {
    return this.#index.listRecords(prefix, limit, after)
  }

  /** An exact scan, and the snapshot and journal files' sizes. */
  async describe(): Promise<IndexDescription> {
    const path = this.#snapshotPath
    const sizes: [string, number][] =
      path === undefined
        ? []
        : [
            ['snapshot file', fileSize(path)],
            ['journal file', fileSize(`${path}.journal`)],
          ]
    return { kind: 'exact', parameters: [], sizes }
  }

  /** Flushes pending writes and releases the snapshot lock. */
  async close(): Promise<void> {
    await this.#journal?.close()
  }

  // With a snapshot, the journal applies the operation once it is on disk; without, apply now.
  async #write(op: IndexOp): Promise<void> {
    if (this.#journal) return this.#journal.write(op)
    this.#index.apply(op)
  }
}

function fullTextIndex(option: { readonly source: string } | undefined): Bm25Index | undefined {
  if (option === undefined) return undefined
  if (typeof option !== 'object' || typeof option.source !== 'string' || option.source === '') {
    throw new InvalidArgumentError('expected fullText to be { source: <payload key> }')
  }
  return new Bm25Index(option.source)
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0
}
