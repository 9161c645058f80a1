import type { VectorStoreError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { RuntimeBackend } from '../core/runtime-backend.js'
import { wrapChromaError } from './chroma-errors.js'
import type { ChromaBackendConfig } from './chroma-backend-config.js'
import { checkConfig, type CheckedConfig } from './chroma-backend-options.js'
import { ChromaEngine } from './chroma-engine.js'
import type { LocalChromaServerInfo } from './local-server.js'

/**
 * A `VectorBackend` on a Chroma collection, over HTTP or on a local
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
export class ChromaBackend<P extends object = Payload> extends RuntimeBackend<ChromaEngine, P> {
  readonly #config: CheckedConfig
  // The server's `host:port`, for messages (calls still in flight during close() included).
  #server = 'the Chroma server'

  /** Checks the options; `initialize()` (or {@link ChromaBackend.create}) connects. */
  constructor(collection: string, config: ChromaBackendConfig = {}) {
    const checked = checkConfig(collection, config)
    super('ChromaBackend', {
      metric: checked.collection.metric ?? 'cosine',
      dim: checked.collection.dim,
      model: checked.collection.model,
    })
    this.#config = checked
  }

  /** Constructs and initializes in one call. */
  static async create<P extends object = Payload>(
    collection: string,
    config: ChromaBackendConfig = {},
  ): Promise<ChromaBackend<P>> {
    const backend = new ChromaBackend<P>(collection, config)
    await backend.initialize()
    return backend
  }

  /**
   * Connects (starting or sharing the local server in persistent and
   * ephemeral mode) and gets or creates the collection.
   */
  protected override async openEngine(): Promise<ChromaEngine> {
    const engine = await ChromaEngine.open(this.#config)
    this.#server = engine.connection.server
    return engine
  }

  /** Chroma client errors: an unreachable or refusing server apart from failed requests. */
  protected override wrapError(operation: string, error: unknown): VectorStoreError {
    return wrapChromaError(operation, error, this.#server)
  }

  /** The collection name. */
  get collectionName(): string {
    return this.#config.collection.name
  }

  /** The local server this backend uses (persistent and ephemeral mode), while open. */
  get localServer(): LocalChromaServerInfo | undefined {
    const server = this.openedEngine()?.connection.localServer
    if (server === undefined) return undefined
    const { stop: _stop, ...info } = server
    return info
  }
}
