import type { BackendFactory, Capability, ConformanceOptions, TestHarness } from './harness.js'
import { semanticCases } from './cases-semantics.js'
import { filterCases } from './cases-filters.js'
import { badInputCases } from './cases-bad-input.js'
import { propertyCases } from './cases-property.js'
import { fuzzCases } from './cases-fuzz.js'
import { recordCases } from './cases-records.js'

/**
 * The backend conformance suite: every line of the contract, run against a
 * backend. Framework-agnostic: pass your framework's `describe` and `it`.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest'
 * import { describeBackend } from 'vecstore/testing'
 *
 * describeBackend('MyBackend', ({ metric, dim }) => MyBackend.create({ metric, dim }), { describe, it }, {
 *   capabilities: ['upsertMany', 'getByIds', 'clearAll', 'close'],
 * })
 * ```
 */
export function describeBackend(
  name: string,
  factory: BackendFactory,
  harness: TestHarness,
  options: ConformanceOptions = {},
): void {
  const settings: ConformanceSettings = {
    propertyRuns: options.propertyRuns ?? 30,
    timeoutMs: options.timeoutMs ?? 60_000,
    scoreTolerance: options.scoreTolerance ?? 1e-5,
    capabilities: new Set(options.capabilities ?? []),
  }
  harness.describe(`${name} conformance`, () => {
    semanticCases(factory, harness, settings)
    filterCases(factory, harness, settings)
    badInputCases(factory, harness, settings)
    propertyCases(factory, harness, settings)
    fuzzCases(factory, harness, settings)
    recordCases(factory, harness, settings)
  })
}

/** The options with their defaults filled in. */
export interface ConformanceSettings {
  readonly propertyRuns: number
  readonly timeoutMs: number
  readonly scoreTolerance: number
  readonly capabilities: ReadonlySet<Capability>
}
