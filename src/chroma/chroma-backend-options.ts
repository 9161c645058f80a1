import { InvalidArgumentError } from '../core/errors.js'
import { parseMetric } from '../core/metric.js'
import { isPlainObject, validateDimensions, validateModel } from '../core/validate.js'
import { wholeNumber } from '../internal/options.js'
import type {
  ChromaBackendConfig,
  ChromaHnswOptions,
  ChromaRetryOptions,
} from './chroma-backend-config.js'
import type { CollectionRequest } from './chroma-collection.js'
import { type ConnectionPlan, planConnection } from './chroma-connection.js'

/** Options checked once, at construction. */
export interface CheckedConfig {
  readonly collection: CollectionRequest
  readonly plan: ConnectionPlan
  readonly pageSize: number
  readonly retry: Required<ChromaRetryOptions>
}

const DEFAULT_PAGE_SIZE = 5000
const KNOWN_KEYS = new Set<string>([
  'metric',
  'dim',
  'model',
  'host',
  'port',
  'ssl',
  'headers',
  'tenant',
  'database',
  'client',
  'path',
  'server',
  'hnsw',
  'createCollection',
  'pageSize',
  'retry',
])
const DEFAULT_RETRY: Required<ChromaRetryOptions> = {
  attempts: 4,
  initialDelayMs: 100,
  maxDelayMs: 2000,
}
const RETRY_LIMITS: Readonly<Record<string, readonly [number, number]>> = {
  attempts: [1, 20],
  initialDelayMs: [0, 60_000],
  maxDelayMs: [0, 60_000],
}
const HNSW_KEYS = { efConstruction: 1, efSearch: 1, maxNeighbors: 2 } as const
// Chroma's collection names: 3-512 of [a-zA-Z0-9._-], alphanumeric at both ends, no '..'.
const COLLECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$/

/** Validates the constructor's arguments; throws {@link InvalidArgumentError} on anything wrong. */
export function checkConfig(collection: unknown, config: unknown): CheckedConfig {
  if (!isPlainObject(config))
    throw new InvalidArgumentError('ChromaBackend: expected an options object')
  const unknown = Object.keys(config).filter((key) => !KNOWN_KEYS.has(key))
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `ChromaBackend: unknown option ${unknown.map((k) => `'${k.slice(0, 40)}'`).join(', ')}`,
    )
  }
  const options = config as ChromaBackendConfig
  return {
    collection: {
      name: checkCollectionName(collection),
      metric: options.metric === undefined ? undefined : parseMetric(options.metric),
      dim: validateDimensions(options.dim),
      model: validateModel(options.model),
      hnsw: checkHnsw(options.hnsw),
      create: checkBoolean('createCollection', options.createCollection ?? true),
    },
    plan: planConnection(options),
    pageSize: checkPageSize(options.pageSize),
    retry: checkRetry(options.retry),
  }
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`ChromaBackend: expected ${name} to be true or false`)
  }
  return value
}

function checkCollectionName(name: unknown): string {
  if (
    typeof name !== 'string' ||
    !COLLECTION_NAME.test(name) ||
    name.includes('..') ||
    /^\d+\.\d+\.\d+\.\d+$/.test(name)
  ) {
    throw new InvalidArgumentError(
      'ChromaBackend: expected a collection name of 3-512 letters, digits, . _ or -, ' +
        "starting and ending with a letter or digit, without '..' and not an IPv4 address",
    )
  }
  return name
}

function checkHnsw(hnsw: unknown): ChromaHnswOptions | undefined {
  if (hnsw === undefined) return undefined
  if (!isPlainObject(hnsw))
    throw new InvalidArgumentError('ChromaBackend: expected hnsw to be an object')
  for (const [key, value] of Object.entries(hnsw)) {
    const min = HNSW_KEYS[key as keyof typeof HNSW_KEYS]
    if (min === undefined)
      throw new InvalidArgumentError(`ChromaBackend: unknown hnsw option '${key.slice(0, 40)}'`)
    if (value !== undefined) wholeNumber(`hnsw.${key}`, value, [min, 100_000], 'ChromaBackend')
  }
  return hnsw as ChromaHnswOptions
}

function checkPageSize(pageSize: unknown): number {
  if (pageSize === undefined) return DEFAULT_PAGE_SIZE
  return wholeNumber('pageSize', pageSize, [1, 100_000], 'ChromaBackend')
}

function checkRetry(retry: unknown): Required<ChromaRetryOptions> {
  if (retry === undefined) return DEFAULT_RETRY
  if (!isPlainObject(retry))
    throw new InvalidArgumentError('ChromaBackend: expected retry to be an object')
  const checked: Record<string, number> = { ...DEFAULT_RETRY }
  for (const [key, value] of Object.entries(retry)) {
    const limits = RETRY_LIMITS[key]
    if (limits === undefined)
      throw new InvalidArgumentError(`ChromaBackend: unknown retry option '${key.slice(0, 40)}'`)
    if (value === undefined) continue
    checked[key] = wholeNumber(`retry.${key}`, value, limits, 'ChromaBackend')
  }
  return checked as Required<ChromaRetryOptions>
}
