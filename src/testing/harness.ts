import type { VectorBackend } from '../core/backend.js'
import type { DistanceMetric } from '../core/metric.js'

/** The two functions of a test framework the suite needs (vitest, jest, mocha and node:test all fit). */
export interface TestHarness {
  describe(name: string, body: () => void): void
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void
}

/** What the suite asks a factory for. */
export interface BackendFactoryOptions {
  readonly metric: DistanceMetric
  /** When set, the backend is created with this fixed dimension. */
  readonly dim?: number
}

/** Makes a fresh, empty backend (its own table, collection or file). The suite closes it. */
export type BackendFactory = (options: BackendFactoryOptions) => Promise<VectorBackend>

/** Tuning for slower engines. */
export interface ConformanceOptions {
  /** Runs of the random-operations property test, per metric. Default: 30. */
  readonly propertyRuns?: number
  /** Timeout of each test in ms. Default: 60 000. */
  readonly timeoutMs?: number
  /** Allowed score difference, relative to max(1, |score|). Default: 1e-5. */
  readonly scoreTolerance?: number
}

/** Runs `body` on a fresh backend and always closes it. */
export async function withBackend<T>(
  factory: BackendFactory,
  options: BackendFactoryOptions,
  body: (backend: VectorBackend) => Promise<T>,
): Promise<T> {
  const backend = await factory(options)
  try {
    return await body(backend)
  } finally {
    await backend.close?.()
  }
}
