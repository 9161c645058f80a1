import type { Payload } from '../core/json.js'
import { RuntimeBackend } from '../core/runtime-backend.js'
import { InMemoryEngine } from './in-memory-engine.js'
import type { InMemoryVectorBackendConfig } from './in-memory-vector-backend-config.js'

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
export class InMemoryVectorBackend<P extends object = Payload> extends RuntimeBackend<
  InMemoryEngine,
  P
> {
  /** Checks the config and opens the index: a snapshot is loaded (and locked) now. */
  constructor(config: InMemoryVectorBackendConfig = {}) {
    const engine = new InMemoryEngine(config)
    super('InMemoryVectorBackend', { metric: engine.metric })
    this.useEngine(engine)
  }

  /** Same as the constructor; here so every backend can be made with `await X.create(...)`. */
  static async create<P extends object = Payload>(
    config: InMemoryVectorBackendConfig = {},
  ): Promise<InMemoryVectorBackend<P>> {
    return new InMemoryVectorBackend<P>(config)
  }

  /** Ready on construction: the engine is already open. */
  protected override async openEngine(): Promise<InMemoryEngine> {
    return this.engine()
  }
}
