import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type {
  IndexDescription,
  IndexRecord,
  ListedEntry,
  SearchHit,
  SearchOptions,
  StoredRecord,
} from '../core/backend.js'
import type { EngineChange, VectorEngine } from '../core/engine.js'
import type { FilterNode } from '../core/filter.js'
import { compareIds } from '../core/validate.js'
import type { CheckedConfig } from './chroma-backend-options.js'
import {
  collectionLabel,
  type OpenCollection,
  openCollection,
  releaseEphemeral,
  retainEphemeral,
} from './chroma-collection.js'
import { type Connection, openConnection } from './chroma-connection.js'
import { isTransientChromaError, wrapChromaError } from './chroma-errors.js'
import { ChromaRecords } from './chroma-records.js'
import { allIds, exactNearest, nearest, payloadsOf, recordsOf } from './chroma-reads.js'
import { deleteAll, toNumbers, upsertRecords } from './chroma-writes.js'
import { type CompiledFilter, compileFilter } from './where.js'

/** The Chroma engine: one collection over one connection (a local server's, or HTTP). */
export class ChromaEngine implements VectorEngine {
  readonly #config: CheckedConfig
  readonly #connection: Connection
  readonly #opened: OpenCollection
  readonly #records: ChromaRecords
  #dim: number | undefined
  #writes: Promise<unknown> = Promise.resolve()

  private constructor(config: CheckedConfig, connection: Connection, opened: OpenCollection) {
    this.#config = config
    this.#connection = connection
    this.#opened = opened
    this.#dim = opened.dim
    this.#records = new ChromaRecords(connection.client, config.collection, opened.maxBatchSize)
  }

  /**
   * Connects (starting or sharing the local server in persistent and
   * ephemeral mode) and gets or creates the collection.
   */
  static async open(config: CheckedConfig): Promise<ChromaEngine> {
    const connection = await openConnection(config.plan)
    try {
      const opened = await openCollection(connection.client, config.collection)
      const server = connection.localServer
      if (server?.ephemeral) retainEphemeral(server.pid, config.collection.name)
      return new ChromaEngine(config, connection, opened)
    } catch (error) {
      await connection.release()
      throw wrapChromaError('initialize', error, connection.server)
    }
  }

  get metric() {
    return this.#opened.metric
  }

  get dim(): number | undefined {
    return this.#dim
  }

  get model(): string | undefined {
    return this.#opened.model
  }

  get label(): string {
    return collectionLabel(this.#config.collection.name)
  }

  /** The connection (and its local server, if it has one). */
  get connection(): Connection {
    return this.#connection
  }

  /** The collection's HNSW settings; with a local server, the size of its data directory. */
  async describe(): Promise<IndexDescription> {
    const configuration = this.#opened.collection.configuration as { hnsw?: unknown } | undefined
    const hnsw =
      typeof configuration?.hnsw === 'object' && configuration.hnsw !== null
        ? Object.entries(configuration.hnsw).filter(([key]) => key !== 'space')
        : []
    const server = this.#connection.localServer
    return {
      kind: 'hnsw',
      parameters: hnsw.map(([key, value]) => [key, String(value)] as const),
      sizes:
        server && !server.ephemeral
          ? [['data directory (all collections)', directorySize(server.path)]]
          : [],
    }
  }

  upsert(records: readonly StoredRecord[]): Promise<void> {
    return this.#write(async () => {
      await upsertRecords(this.#opened.collection, records, this.#opened.maxBatchSize)
      this.#dim ??= (records[0] as StoredRecord).vector.length
    })
  }

  async search(
    query: Float32Array,
    topK: number,
    filter: FilterNode,
    options: SearchOptions = {},
  ): Promise<SearchHit[]> {
    const compiled = compileFilter(filter)
    if (compiled.kind === 'none') return []
    const { collection, metric } = this.#opened
    const search = options.exact === true ? exactNearest : nearest
    return this.#retrying(() =>
      search(collection, toNumbers(query), topK, whereOf(compiled), metric),
    )
  }

  delete(ids: readonly string[]): Promise<void> {
    return this.#write(async () => {
      await this.#opened.collection.delete({ ids: [...ids] })
    })
  }

  async deleteWhere(filter: FilterNode): Promise<void> {
    const compiled = compileFilter(filter)
    if (compiled.kind === 'none') return
    const { collection, maxBatchSize } = this.#opened
    await this.#write(() =>
      compiled.kind === 'all'
        ? deleteAll(collection, undefined, maxBatchSize)
        : collection.delete({ where: compiled.where }),
    )
  }

  clearAll(): Promise<void> {
    const { collection, maxBatchSize } = this.#opened
    return this.#write(async () => {
      await deleteAll(collection, undefined, maxBatchSize)
      await this.#records.clear()
    })
  }

  /**
   * Not atomic: Chroma has no transaction across requests. Each request (a
   * batch of up to the server's max batch size) is atomic on its own; the
   * steps run in the order readers that check hits against the records rely
   * on (see `ChromaRecords`).
   */
  readonly atomicChanges = false

  applyChange(change: EngineChange): Promise<void> {
    return this.#write(async () => {
      await this.#records.apply(this.#opened.collection, change)
      this.#dim ??= change.upsert[0]?.vector.length
    })
  }

  getRecords(keys: readonly string[]): Promise<IndexRecord[]> {
    return this.#retrying(() => this.#records.get(keys))
  }

  listRecords(prefix: string, limit: number, after: string | undefined): Promise<IndexRecord[]> {
    return this.#retrying(() => this.#records.list(prefix, limit, after))
  }

  async list(filter: FilterNode, limit: number, after: string | undefined): Promise<ListedEntry[]> {
    const compiled = compileFilter(filter)
    if (compiled.kind === 'none') return []
    const { collection, maxBatchSize } = this.#opened
    return this.#retrying(async () => {
      // Chroma lists in insertion order: sort the matching ids by code point here.
      const ids = await allIds(collection, whereOf(compiled), this.#config.pageSize)
      const page = (after === undefined ? ids : ids.filter((id) => compareIds(id, after) > 0))
        .sort(compareIds)
        .slice(0, limit)
      const payloads = await payloadsOf(collection, page, maxBatchSize)
      return page.flatMap((id) => {
        const payload = payloads.get(id)
        return payload === undefined ? [] : [{ id, payload }]
      })
    })
  }

  async getByIds(ids: readonly string[]): Promise<StoredRecord[]> {
    const { collection, maxBatchSize } = this.#opened
    return this.#retrying(async () => {
      const found = await recordsOf(collection, ids, maxBatchSize)
      return ids.flatMap((id) => {
        const record = found.get(id)
        return record === undefined ? [] : [record]
      })
    })
  }

  async count(filter: FilterNode): Promise<number> {
    const compiled = compileFilter(filter)
    if (compiled.kind === 'none') return 0
    const { collection } = this.#opened
    return this.#retrying(async () =>
      compiled.kind === 'all'
        ? collection.count()
        : (await allIds(collection, compiled.where, this.#config.pageSize)).length,
    )
  }

  /**
   * Releases the connection: its use of the local server (the last user stops
   * it; an ephemeral collection is dropped by its last user). An injected
   * client is left open.
   */
  async close(): Promise<void> {
    const connection = this.#connection
    const server = connection.localServer
    const name = this.#config.collection.name
    try {
      if (server?.ephemeral && releaseEphemeral(server.pid, name)) {
        await connection.client.deleteCollection({ name })
        await this.#records.drop()
      }
    } catch (error) {
      throw wrapChromaError('close', error, connection.server)
    } finally {
      await connection.release()
    }
  }

  // Writes run one at a time: each upsert reads the entries' metadata before it writes them.
  // A write's retries stay inside its turn, so a retried write never overtakes a later one.
  #write<T>(body: () => Promise<T>): Promise<T> {
    const attempt = () => this.#retrying(body)
    const run = this.#writes.then(attempt, attempt)
    this.#writes = run.catch(() => undefined)
    return run
  }

  /**
   * Runs a call, retrying it while the server cannot be reached (refused,
   * reset, timed out) with bounded exponential backoff; every call is
   * idempotent, so a retry after a lost answer changes nothing. The last
   * failure is the runtime's to wrap (`ChromaBackend.wrapError`).
   */
  async #retrying<T>(body: () => Promise<T>): Promise<T> {
    const { attempts, initialDelayMs, maxDelayMs } = this.#config.retry
    for (let attempt = 1; ; attempt++) {
      try {
        return await body()
      } catch (error) {
        if (attempt >= attempts || !isTransientChromaError(error)) throw error
      }
      await sleep(Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1)))
    }
  }
}

function whereOf(compiled: CompiledFilter) {
  return compiled.kind === 'where' ? compiled.where : undefined
}

function directorySize(path: string): number {
  let total = 0
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name)
    total += entry.isDirectory() ? directorySize(full) : entry.isFile() ? statSync(full).size : 0
  }
  return total
}
