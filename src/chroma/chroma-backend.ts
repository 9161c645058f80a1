import { setTimeout as sleep } from 'node:timers/promises'
import type {
  ListedEntry,
  ListOptions,
  SearchHit,
  StoredRecord,
  Vector,
  VectorBackend,
  VectorRecord,
} from '../core/backend.js'
import { EmptyFilterError, NotInitializedError, VectorStoreError } from '../core/errors.js'
import { type Filter, isEmptyFilter, parseFilter } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import type { DistanceMetric } from '../core/metric.js'
import {
  compareIds,
  validateCount,
  validateId,
  validateNewId,
  validateIds,
  validatePayload,
  validateRecords,
  validateVector,
} from '../core/validate.js'
import type { ChromaBackendConfig } from './chroma-backend-config.js'
import { checkConfig, type CheckedConfig } from './chroma-backend-options.js'
import {
  type OpenCollection,
  openCollection,
  releaseEphemeral,
  retainEphemeral,
} from './chroma-collection.js'
import { type Connection, openConnection } from './chroma-connection.js'
import { isTransientChromaError, wrapChromaError } from './chroma-errors.js'
import { allIds, nearest, payloadsOf, recordsOf } from './chroma-reads.js'
import { deleteAll, toNumbers, upsertRecords, type WriteRecord } from './chroma-writes.js'
import type { LocalChromaServerInfo } from './local-server.js'
import { type CompiledFilter, compileFilter } from './where.js'

interface OpenState extends OpenCollection {
  readonly connection: Connection
}

/**
 * A {@link VectorBackend} on a Chroma collection, over HTTP or on a local
 * Chroma server it starts itself (persistent with `path`, ephemeral without).
 * Scores, order (ties by id), filters and payloads match `InMemoryVectorBackend`.
 *
 * @example
 * ```ts
 * const backend = await ChromaBackend.create('docs', { path: './chroma-data', metric: DistanceMetric.L2 })
 * await backend.upsert('a', [1, 0, 0], { lang: 'en' })
 * const hits = await backend.search([1, 0, 0], 5, { lang: 'en' })
 * await backend.close()
 * ```
 */
export class ChromaBackend implements VectorBackend {
  readonly #config: CheckedConfig
  #opening: Promise<void> | undefined
  #state: OpenState | undefined
  #closed = false
  #dim: number | undefined
  // The first write's dimension, claimed before the write reaches the server.
  #claimedDim: number | undefined
  #writes: Promise<unknown> = Promise.resolve()
  readonly #inflight = new Set<Promise<unknown>>()

  /** Checks the options; {@link initialize} (or {@link ChromaBackend.create}) connects. */
  constructor(collection: string, config: ChromaBackendConfig = {}) {
    this.#config = checkConfig(collection, config)
  }

  /** Constructs and initializes in one call. */
  static async create(
    collection: string,
    config: ChromaBackendConfig = {},
  ): Promise<ChromaBackend> {
    const backend = new ChromaBackend(collection, config)
    await backend.initialize()
    return backend
  }

  /**
   * Connects (starting or sharing the local server in persistent and
   * ephemeral mode) and gets or creates the collection. Idempotent.
   */
  async initialize(): Promise<void> {
    if (this.#closed) throw new NotInitializedError('ChromaBackend', 'closed')
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined
      throw error
    })
    return this.#opening
  }

  async #open(): Promise<void> {
    const connection = await openConnection(this.#config.plan)
    try {
      const opened = await openCollection(connection.client, this.#config.collection)
      if (this.#closed) throw new NotInitializedError('ChromaBackend', 'closed')
      const server = connection.localServer
      if (server?.ephemeral) retainEphemeral(server.pid, this.collectionName)
      this.#dim = opened.dim
      this.#state = { ...opened, connection }
    } catch (error) {
      await connection.release()
      throw wrapChromaError('initialize', error, connection.server)
    }
  }

  /** The collection name. */
  get collectionName(): string {
    return this.#config.collection.name
  }

  /** The metric in use (the collection's, once initialized). */
  get metric(): DistanceMetric {
    return this.#state?.metric ?? this.#config.collection.metric ?? 'cosine'
  }

  /** The vector dimension, once known. */
  get dim(): number | undefined {
    return this.#dim ?? this.#config.collection.dim
  }

  /** The local server this backend uses (persistent and ephemeral mode), while open. */
  get localServer(): LocalChromaServerInfo | undefined {
    const server = this.#state?.connection.localServer
    if (server === undefined || this.#closed) return undefined
    const { stop: _stop, ...info } = server
    return info
  }

  async upsert(id: string, vector: Vector, payload: Payload): Promise<void> {
    const state = this.#ready()
    const record = {
      id: validateNewId(id),
      vector: validateVector(vector, this.#dim ?? this.#claimedDim, state.metric),
      payload: validatePayload(payload),
    }
    this.#claimedDim ??= record.vector.length
    await this.#write('upsert', () => this.#upsert(state, [record]))
  }

  async upsertMany(records: readonly VectorRecord[]): Promise<void> {
    const state = this.#ready()
    const checked = validateRecords(records, this.#dim ?? this.#claimedDim, state.metric)
    if (checked.length === 0) return
    this.#claimedDim ??= (checked[0] as WriteRecord).vector.length
    await this.#write('upsertMany', () => this.#upsert(state, checked))
  }

  async #upsert(state: OpenState, records: readonly WriteRecord[]): Promise<void> {
    await upsertRecords(state.collection, records, state.maxBatchSize)
    this.#dim ??= (records[0] as WriteRecord).vector.length
  }

  async search(vector: Vector, topK: number, filters: Filter): Promise<SearchHit[]> {
    const state = this.#ready()
    const query = validateVector(vector, this.#dim, state.metric)
    const k = validateCount('topK', topK)
    const compiled = compileFilter(parseFilter(filters))
    if (compiled.kind === 'none') return []
    return this.#run('search', () =>
      nearest(state.collection, toNumbers(query), k, whereOf(compiled), state.metric),
    )
  }

  async delete(id: string): Promise<void> {
    const state = this.#ready()
    const checked = validateId(id)
    await this.#write('delete', () => state.collection.delete({ ids: [checked] }))
  }

  async deleteWhere(filters: Filter): Promise<void> {
    const state = this.#ready()
    const node = parseFilter(filters)
    if (isEmptyFilter(node)) throw new EmptyFilterError('deleteWhere')
    const compiled = compileFilter(node)
    if (compiled.kind === 'none') return
    await this.#write('deleteWhere', () =>
      compiled.kind === 'all'
        ? deleteAll(state.collection, undefined, state.maxBatchSize)
        : state.collection.delete({ where: compiled.where }),
    )
  }

  async clearAll(): Promise<void> {
    const state = this.#ready()
    await this.#write('clearAll', () => deleteAll(state.collection, undefined, state.maxBatchSize))
  }

  async listWhere(
    filters: Filter,
    limit: number,
    options: ListOptions = {},
  ): Promise<ListedEntry[]> {
    const state = this.#ready()
    const after = options.after === undefined ? undefined : validateId(options.after)
    const max = validateCount('limit', limit)
    const compiled = compileFilter(parseFilter(filters))
    if (compiled.kind === 'none') return []
    return this.#run('listWhere', async () => {
      // Chroma lists in insertion order: sort the matching ids by code point here.
      const ids = await allIds(state.collection, whereOf(compiled), this.#config.pageSize)
      const page = (after === undefined ? ids : ids.filter((id) => compareIds(id, after) > 0))
        .sort(compareIds)
        .slice(0, max)
      const payloads = await payloadsOf(state.collection, page, state.maxBatchSize)
      return page.flatMap((id) => {
        const payload = payloads.get(id)
        return payload === undefined ? [] : [{ id, payload }]
      })
    })
  }

  async getByIds(ids: readonly string[]): Promise<StoredRecord[]> {
    const state = this.#ready()
    const checked = validateIds(ids)
    return this.#run('getByIds', async () => {
      const found = await recordsOf(state.collection, checked, state.maxBatchSize)
      return checked.flatMap((id) => {
        const record = found.get(id)
        return record === undefined ? [] : [record]
      })
    })
  }

  async count(filters: Filter): Promise<number> {
    const state = this.#ready()
    const compiled = compileFilter(parseFilter(filters))
    if (compiled.kind === 'none') return 0
    return this.#run('count', async () =>
      compiled.kind === 'all'
        ? state.collection.count()
        : (await allIds(state.collection, compiled.where, this.#config.pageSize)).length,
    )
  }

  /**
   * Waits for calls in flight, then releases what the backend opened: its
   * use of the local server (the last user stops it; an ephemeral collection
   * is dropped by its last user). An injected client is left open. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#opening?.catch(() => undefined)
    await Promise.allSettled([...this.#inflight])
    const state = this.#state
    this.#state = undefined
    if (state === undefined) return
    const server = state.connection.localServer
    try {
      if (server?.ephemeral && releaseEphemeral(server.pid, this.collectionName)) {
        await state.connection.client.deleteCollection({ name: this.collectionName })
      }
    } catch (error) {
      throw wrapChromaError('close', error, state.connection.server)
    } finally {
      await state.connection.release()
    }
  }

  #ready(): OpenState {
    if (this.#closed) throw new NotInitializedError('ChromaBackend', 'closed')
    if (this.#state === undefined) throw new NotInitializedError('ChromaBackend', 'uninitialized')
    return this.#state
  }

  // Writes run one at a time: each upsert reads the entries' metadata before it writes them.
  // A write's retries stay inside its turn, so a retried write never overtakes a later one.
  #write<T>(operation: string, body: () => Promise<T>): Promise<T> {
    const state = this.#ready()
    const attempt = () => this.#retrying(operation, state, body)
    const run = this.#writes.then(attempt, attempt)
    this.#writes = run.catch(() => undefined)
    return this.#track(run)
  }

  #run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    const state = this.#ready()
    return this.#track(this.#retrying(operation, state, body))
  }

  async #track<T>(call: Promise<T>): Promise<T> {
    this.#inflight.add(call)
    try {
      return await call
    } finally {
      this.#inflight.delete(call)
    }
  }

  /**
   * Runs a call, retrying it while the server cannot be reached (refused,
   * reset, timed out) with bounded exponential backoff; every call is
   * idempotent, so a retry after a lost answer changes nothing. Then wraps
   * the failure in a vecstore error.
   */
  async #retrying<T>(operation: string, state: OpenState, body: () => Promise<T>): Promise<T> {
    const { attempts, initialDelayMs, maxDelayMs } = this.#config.retry
    for (let attempt = 1; ; attempt++) {
      try {
        return await body()
      } catch (error) {
        if (error instanceof VectorStoreError) throw error
        if (attempt >= attempts || this.#closed || !isTransientChromaError(error)) {
          throw wrapChromaError(operation, error, state.connection.server)
        }
      }
      await sleep(Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1)))
    }
  }
}

function whereOf(compiled: CompiledFilter) {
  return compiled.kind === 'where' ? compiled.where : undefined
}
