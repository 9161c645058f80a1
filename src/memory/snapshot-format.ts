import { SnapshotCorruptError } from '../core/errors.js'
import { type Filter, parseFilter } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import { type DistanceMetric, parseMetric } from '../core/metric.js'
import { isPlainObject, validateId, validatePayload, validateVector } from '../core/validate.js'
import type { IndexEntry, IndexOp } from './in-memory-index.js'

/**
 * On-disk layout. Both files are JSON, written a line per entry so that they
 * stream in and out without one giant string:
 *
 * snapshot  `{"format":"vecstore-memory-snapshot","version":1,"metric":..,"dim":..,"generation":..,"count":..,"entries":[`
 *           one `{"id":..,"vector":"<base64 float32 LE>","payload":{..}}` line per entry, comma-separated
 *           `]}`
 * journal   `{"format":"vecstore-memory-journal","version":1,"generation":..}`
 *           one operation per line: `{"op":"upsert","entries":[..]}`, `{"op":"delete","ids":[..]}`,
 *           `{"op":"deleteWhere","filter":{..}}`, `{"op":"clear"}`
 *
 * A journal applies only to the snapshot of the same generation, so a crash
 * between writing a new snapshot and resetting the journal replays nothing twice.
 */
export const SNAPSHOT_FORMAT = 'vecstore-memory-snapshot'
export const JOURNAL_FORMAT = 'vecstore-memory-journal'
export const FORMAT_VERSION = 1

export interface SnapshotHeader {
  readonly metric: DistanceMetric
  readonly dim: number | undefined
  readonly generation: number
  readonly count: number
}

/** The journal records index operations. */
export type JournalOp = IndexOp

export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
}

export function decodeVector(text: unknown): Float32Array {
  if (typeof text !== 'string') throw new Error('vector is not a base64 string')
  const bytes = Buffer.from(text, 'base64')
  if (bytes.length % 4 !== 0) throw new Error('vector bytes are not whole float32 values')
  // Copy: the decoded Buffer may be a slice of a shared pool with any alignment.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
}

export function encodeEntry(entry: IndexEntry): string {
  return `{"id":${JSON.stringify(entry.id)},"vector":"${encodeVector(entry.vector)}","payload":${JSON.stringify(entry.payload)}}`
}

/** Checks an entry read from disk exactly as a write would have been checked. */
export function decodeEntry(raw: unknown, metric: DistanceMetric): IndexEntry {
  if (!isPlainObject(raw)) throw new Error('entry is not an object')
  const vector = validateVector(decodeVector(raw['vector']), undefined, metric)
  return { id: validateId(raw['id']), vector, payload: validatePayload(raw['payload']) as Payload }
}

export function encodeSnapshotHeader(header: SnapshotHeader): string {
  const { metric, dim, generation, count } = header
  return `{"format":"${SNAPSHOT_FORMAT}","version":${FORMAT_VERSION},"metric":"${metric}","dim":${dim ?? null},"generation":${generation},"count":${count},"entries":[`
}

export function encodeJournalHeader(generation: number): string {
  return `{"format":"${JOURNAL_FORMAT}","version":${FORMAT_VERSION},"generation":${generation}}`
}

export function encodeOp(op: JournalOp): string {
  if (op.op === 'upsert')
    return `{"op":"upsert","entries":[${op.entries.map(encodeEntry).join(',')}]}`
  return JSON.stringify(op)
}

export function decodeOp(raw: unknown, metric: DistanceMetric): JournalOp {
  if (!isPlainObject(raw)) throw new Error('operation is not an object')
  switch (raw['op']) {
    case 'upsert':
      if (!Array.isArray(raw['entries'])) throw new Error('upsert without entries')
      return { op: 'upsert', entries: raw['entries'].map((entry) => decodeEntry(entry, metric)) }
    case 'delete':
      if (!Array.isArray(raw['ids'])) throw new Error('delete without ids')
      return { op: 'delete', ids: raw['ids'].map((id) => validateId(id)) }
    case 'deleteWhere':
      parseFilter(raw['filter'])
      return { op: 'deleteWhere', filter: raw['filter'] as Filter }
    case 'clear':
      return { op: 'clear' }
    default:
      throw new Error('unknown operation')
  }
}

/** Reads a snapshot file: this format, or the original library's `{"vectors", "payloads"}` layout. */
export function parseSnapshot(
  path: string,
  bytes: Buffer,
  legacyMetric: DistanceMetric,
): { header: SnapshotHeader; entries: IndexEntry[] } {
  try {
    if (bytes.subarray(0, 64).toString('utf8').startsWith(`{"format":"${SNAPSHOT_FORMAT}"`)) {
      return parseLines(bytes)
    }
    return parseLegacy(bytes, legacyMetric)
  } catch (error) {
    throw new SnapshotCorruptError(path, (error as Error).message, { cause: error })
  }
}

function parseLines(bytes: Buffer) {
  const lines = splitLines(bytes)
  const first = lines[0]
  const last = lines[lines.length - 1]
  if (first === undefined || last !== ']}') throw new Error('the file is truncated')
  const head = JSON.parse(`${first}]}`) as Record<string, unknown>
  if (head['version'] !== FORMAT_VERSION)
    throw new Error(`unsupported version ${String(head['version'])}`)
  const metric = parseMetric(head['metric'])
  const entries: IndexEntry[] = []
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i] as string
    entries.push(decodeEntry(JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line), metric))
  }
  if (entries.length !== head['count']) throw new Error('the entry count does not match the header')
  const dim = typeof head['dim'] === 'number' ? head['dim'] : undefined
  checkDims(entries, dim)
  const generation = Number(head['generation'])
  return { header: { metric, dim, generation, count: entries.length }, entries }
}

function parseLegacy(bytes: Buffer, metric: DistanceMetric) {
  const doc = JSON.parse(bytes.toString('utf8')) as unknown
  if (!isPlainObject(doc) || !isPlainObject(doc['vectors'])) {
    throw new Error('not a vecstore snapshot nor a {"vectors", "payloads"} document')
  }
  const payloads = isPlainObject(doc['payloads']) ? doc['payloads'] : {}
  const entries = Object.entries(doc['vectors']).map(([id, vector]) => ({
    id: validateId(id),
    vector: validateVector(vector, undefined, metric),
    payload: validatePayload(payloads[id] ?? {}),
  }))
  checkDims(entries, undefined)
  return {
    header: { metric, dim: entries[0]?.vector.length, generation: 0, count: entries.length },
    entries,
  }
}

function checkDims(entries: readonly IndexEntry[], dim: number | undefined): void {
  const expected = dim ?? entries[0]?.vector.length
  if (entries.some((entry) => entry.vector.length !== expected)) {
    throw new Error('entries have different dimensions')
  }
}

/** Splits on `\n`; the text after the last newline (if any) is returned too. */
export function splitLines(bytes: Buffer): string[] {
  const lines: string[] = []
  let start = 0
  for (;;) {
    const end = bytes.indexOf(10, start)
    if (end === -1) break
    lines.push(bytes.toString('utf8', start, end))
    start = end + 1
  }
  if (start < bytes.length) lines.push(bytes.toString('utf8', start))
  return lines
}
