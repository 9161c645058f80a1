import type { DistanceMetric } from '../core/metric.js'
import type { ChromaClientLike } from './chroma-api.js'

/**
 * Options of {@link ChromaBackend}. The mode follows from what is given:
 *
 * | mode       | options                                   | data                          |
 * | ---------- | ----------------------------------------- | ----------------------------- |
 * | HTTP       | `host` (+ `port`, `ssl`, `headers`), or `client` | on that server         |
 * | persistent | `path`                                    | on disk, survives restarts    |
 * | ephemeral  | none of the above                         | gone after `close()` or exit  |
 *
 * Persistent and ephemeral mode start a local Chroma server (a child process)
 * from the Chroma native bindings on npm; see {@link LocalChromaServerOptions}.
 */
export interface ChromaBackendConfig {
  /**
   * Distance metric, fixed when the collection is created (Chroma's `hnsw` space).
   * Opening an existing collection with another metric throws `MetricMismatchError`.
   * Default: the existing collection's metric, else COSINE.
   */
  readonly metric?: DistanceMetric
  /** Vector dimension. Default: taken from the collection's entries or the first write. */
  readonly dim?: number
  /**
   * The embedding model the vectors come from, recorded in the collection's
   * metadata on first open; opening it with another model throws
   * `EmbeddingModelMismatchError`. Default: none (a recorded one is adopted).
   */
  readonly model?: string

  /** HTTP mode: the Chroma server's host name. Default: none (not HTTP mode). */
  readonly host?: string
  /** HTTP mode: the server's port. Default: 8000. Needs `host`. */
  readonly port?: number
  /** HTTP mode: use HTTPS. Default: false. Needs `host`. */
  readonly ssl?: boolean
  /** HTTP mode: headers sent with every request (e.g. `x-chroma-token`). Default: none. */
  readonly headers?: Readonly<Record<string, string>>
  /** HTTP mode: Chroma tenant. Default: the server's default tenant. */
  readonly tenant?: string
  /** HTTP mode: Chroma database. Default: the server's default database. */
  readonly database?: string
  /**
   * HTTP mode: a `ChromaClient` (from `chromadb`) the app already has. The
   * backend never closes it. Excludes `host`, `port`, `ssl`, `headers`, `tenant`, `database`.
   */
  readonly client?: ChromaClientLike

  /** Persistent mode: the server's data directory, created if missing. Default: none (ephemeral). */
  readonly path?: string
  /** Persistent and ephemeral mode: how the local server is started and stopped. */
  readonly server?: LocalChromaServerOptions

  /**
   * Create the collection when it does not exist (true), or only open an
   * existing one (false: a missing collection throws `StoreNotFoundError`).
   * Default: true.
   */
  readonly createCollection?: boolean
  /** HNSW parameters, applied when the collection is created. Default: Chroma's. */
  readonly hnsw?: ChromaHnswOptions
  /**
   * Retries of a call that cannot reach the server (refused, reset, timed
   * out), with exponential backoff, before it fails with `BackendConnectionError`.
   * Default: 4 attempts, 100 ms doubling up to 2000 ms between them.
   */
  readonly retry?: ChromaRetryOptions
  /** Ids fetched per request when `listWhere`, `count` and `clearAll` page through a collection. Default: 5000. */
  readonly pageSize?: number
}

/** Retries of calls that cannot reach the Chroma server. */
export interface ChromaRetryOptions {
  /** Attempts in all, 1 (no retry) to 20. Default: 4. */
  readonly attempts?: number
  /** Delay before the first retry, 0 to 60 000 ms; doubled before each next one. Default: 100. */
  readonly initialDelayMs?: number
  /** Longest delay between two attempts, 0 to 60 000 ms. Default: 2000. */
  readonly maxDelayMs?: number
}

/** How a local Chroma server is run (persistent and ephemeral mode). */
export interface LocalChromaServerOptions {
  /** How long to wait for the server's heartbeat. Default: 30 000 ms. */
  readonly startupTimeoutMs?: number
  /** How long a stopping server may take after the signal before it is killed. Default: 1000 ms. */
  readonly shutdownGraceMs?: number
  /**
   * Chroma native binding packages (names or absolute paths) to try, in order.
   * Default: the binding `chromadb` brings, then `chroma-server-legacy`
   * (an alias of `chromadb-js-bindings-linux-x64-gnu@1.0.5`, for glibc < 2.38).
   */
  readonly bindings?: readonly string[]
}

/** Chroma HNSW index parameters (set at creation only). */
export interface ChromaHnswOptions {
  /** Candidate list size while building the graph. Default: Chroma's (100). */
  readonly efConstruction?: number
  /** Candidate list size while searching: higher is more exact and slower. Default: Chroma's (100). */
  readonly efSearch?: number
  /** Graph degree. Default: Chroma's (16). */
  readonly maxNeighbors?: number
}
