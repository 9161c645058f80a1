import type { PgvectorSearchOptions } from './pgvector-backend-config.js'

/** The index parameters `tune()` sets: HNSW's candidate list, IVFFlat's probed lists. */
export type TunedParameter = 'ef_search' | 'probes'

/**
 * The search setting `tune()` chose and recorded with the table: every
 * search uses it unless the backend's config or the call sets its own.
 */
export interface TunedSetting {
  /** `'ef_search'` (HNSW) or `'probes'` (IVFFlat). */
  readonly parameter: TunedParameter
  /** The value every search uses. */
  readonly value: number
  /** The recall@k asked for. */
  readonly targetRecall: number
  /** Recall@k measured with `value` on the held-out queries. */
  readonly recall: number
  /** The k of recall@k. */
  readonly k: number
  /** How many held-out queries measured `recall`. */
  readonly queries: number
  /** When it was measured (ISO 8601). */
  readonly measuredAt: string
}

/** The parameter a vector index method is tuned by. */
export function tunedParameterOf(method: 'hnsw' | 'ivfflat'): TunedParameter {
  return method === 'hnsw' ? 'ef_search' : 'probes'
}

/** A stored setting as search options (nothing when it is for another kind of index). */
export function tunedSearchOptions(
  setting: TunedSetting | undefined,
  method: 'hnsw' | 'ivfflat' | undefined,
): PgvectorSearchOptions {
  if (setting === undefined || method === undefined) return {}
  if (setting.parameter !== tunedParameterOf(method)) return {}
  // pgvector's own default needs no SET LOCAL, nor the transaction around it.
  if (setting.value === PGVECTOR_DEFAULT[setting.parameter]) return {}
  return setting.parameter === 'ef_search' ? { efSearch: setting.value } : { probes: setting.value }
}

const PGVECTOR_DEFAULT: Readonly<Record<TunedParameter, number>> = { ef_search: 40, probes: 1 }

const MAX_VALUE: Readonly<Record<TunedParameter, number>> = { ef_search: 1000, probes: 32768 }

/** A recorded setting, or undefined when it is missing or malformed (then searches ignore it). */
export function parseTunedSetting(value: unknown): TunedSetting | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const {
    parameter,
    value: chosen,
    targetRecall,
    recall,
    k,
    queries,
    measuredAt,
  } = value as Record<string, unknown>
  if (parameter !== 'ef_search' && parameter !== 'probes') return undefined
  const whole = (x: unknown, max: number) =>
    Number.isInteger(x) && (x as number) >= 1 && (x as number) <= max
  const fraction = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1
  if (!whole(chosen, MAX_VALUE[parameter]) || !whole(k, 10_000) || !whole(queries, 1e6)) {
    return undefined
  }
  if (!fraction(targetRecall) || !fraction(recall)) return undefined
  if (typeof measuredAt !== 'string' || Number.isNaN(Date.parse(measuredAt))) return undefined
  return {
    parameter,
    value: chosen as number,
    targetRecall: targetRecall as number,
    recall: recall as number,
    k: k as number,
    queries: queries as number,
    measuredAt,
  }
}
