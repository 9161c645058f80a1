import type {
  IndexChange,
  IndexRecord,
  RecordListOptions,
  VectorBackend,
  VectorRecord,
} from '../core/backend.js'
import type { DistanceMetric } from '../core/metric.js'

/** The two functions of a test framework the suite needs (vitest, jest, mocha and node:test all fit). */
export interface TestHarness {
  /** Groups cases (e.g. vitest's or node:test's `describe`). */
  describe(name: string, body: () => void): void
  /** Registers one case with its timeout (e.g. vitest's `it`). */
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void
}

/** What the suite asks a factory for. */
export interface BackendFactoryOptions {
  /** The metric the backend must be created with. */
  readonly metric: DistanceMetric
  /** When set, the backend is created with this fixed dimension. */
  readonly dim?: number
}

/**
 * The optional parts of the contract whose cases the suite can run: a method
 * each, and `records` for `applyChange`, `getRecords`, `listRecords` and
 * `atomicChanges` together (what the retrieval runtime needs).
 */
export const CAPABILITIES = ['upsertMany', 'getByIds', 'clearAll', 'close', 'records'] as const
/** One of {@link CAPABILITIES}. */
export type Capability = (typeof CAPABILITIES)[number]
type MethodCapability = Exclude<Capability, 'records'>

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
  /**
   * The optional methods the backend has: their cases run, and a declared one
   * that is missing fails. Default: none (only the six required methods are tested).
   */
  readonly capabilities?: readonly Capability[]
}

/** A declared optional method, bound to its backend; fails when the backend lacks it. */
export function capability<C extends MethodCapability>(
  backend: VectorBackend,
  name: C,
): NonNullable<VectorBackend[C]> {
  const method = backend[name]
  if (typeof method !== 'function') {
    throw new TypeError(`the backend declares ${name} but has no ${name}() method`)
  }
  return method.bind(backend) as NonNullable<VectorBackend[C]>
}

/** Writes records through `upsertMany` when the backend declares it, else one `upsert` at a time. */
export async function writeAll(
  backend: VectorBackend,
  records: readonly VectorRecord[],
  capabilities: ReadonlySet<Capability>,
): Promise<void> {
  if (capabilities.has('upsertMany')) return capability(backend, 'upsertMany')(records)
  for (const { id, vector, payload } of records) await backend.upsert(id, vector, payload)
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

/** The `records` capability's methods, bound to their backend. */
export interface RecordMethods {
  applyChange(change: IndexChange): Promise<void>
  getRecords(keys: readonly string[]): Promise<IndexRecord[]>
  listRecords(options: RecordListOptions): Promise<IndexRecord[]>
  readonly atomicChanges: boolean
}

/** The declared `records` capability; fails when the backend lacks one of its members. */
export function recordMethods(backend: VectorBackend): RecordMethods {
  for (const name of ['applyChange', 'getRecords', 'listRecords'] as const) {
    if (typeof backend[name] !== 'function') {
      throw new TypeError(`the backend declares records but has no ${name}() method`)
    }
  }
  if (typeof backend.atomicChanges !== 'boolean') {
    throw new TypeError('the backend declares records but has no atomicChanges flag')
  }
  return {
    applyChange: (backend.applyChange as NonNullable<VectorBackend['applyChange']>).bind(backend),
    getRecords: (backend.getRecords as NonNullable<VectorBackend['getRecords']>).bind(backend),
    listRecords: (backend.listRecords as NonNullable<VectorBackend['listRecords']>).bind(backend),
    atomicChanges: backend.atomicChanges,
  }
}
