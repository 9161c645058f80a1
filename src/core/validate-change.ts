import type { IndexChange, IndexRecord, RecordListOptions } from './backend.js'
import type { EngineChange } from './engine.js'
import { InvalidArgumentError } from './errors.js'
import type { DistanceMetric } from './metric.js'
import {
  isPlainObject,
  validateCount,
  validateId,
  validatePayload,
  validateRecords,
} from './validate.js'

/** Checks every part of an {@link IndexChange}: nothing is written unless all of it is valid. */
export function validateChange(
  change: unknown,
  dim: number | undefined,
  metric: DistanceMetric,
): EngineChange {
  if (!isPlainObject(change)) {
    throw new InvalidArgumentError(
      'expected a change { upsert?, delete?, putRecords?, deleteRecords? }',
    )
  }
  const { upsert, delete: deleted, putRecords, deleteRecords } = change as IndexChange
  return {
    upsert: validateRecords(upsert ?? [], dim, metric),
    delete: idList('delete', deleted),
    putRecords: listOf('putRecords', putRecords).map(validateRecord),
    deleteRecords: idList('deleteRecords', deleteRecords),
  }
}

/** Checks the options of `listRecords`. */
export function validateRecordList(options: unknown): {
  prefix: string
  limit: number
  after: string | undefined
} {
  if (!isPlainObject(options)) throw new InvalidArgumentError('expected { prefix?, after?, limit }')
  const { prefix, after, limit } = options as unknown as RecordListOptions
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new InvalidArgumentError('expected prefix to be a string')
  }
  return {
    prefix: prefix ?? '',
    limit: validateCount('limit', limit),
    after: after === undefined ? undefined : validateId(after),
  }
}

function validateRecord(record: unknown): IndexRecord {
  if (!isPlainObject(record))
    throw new InvalidArgumentError('expected each record to be { key, value }')
  return { key: validateId(record['key']), value: validatePayload(record['value']) }
}

function idList(name: string, ids: unknown): string[] {
  return listOf(name, ids).map((id) => validateId(id))
}

function listOf(name: string, value: unknown): unknown[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new InvalidArgumentError(`expected ${name} to be an array`)
  // Array.from visits holes too, so a sparse array is refused like any missing item.
  return Array.from(value as unknown[])
}
