import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import { SnapshotCorruptError } from '../core/errors.js'
import { type Filter, parseFilter } from '../core/filter.js'
import type { IndexRecord } from '../core/backend.js'
import type { Payload } from '../core/json.js'
import { type DistanceMetric, parseMetric } from '../core/metric.js'
import { isPlainObject, validateId, validatePayload, validateVector } from '../core/validate.js'
import { type IndexEntry, type IndexOp, InMemoryIndex } from './in-memory-index.js'

/**
 * On-disk layout. Both files are JSON, written a line per entry so that they
 * stream in and out without one giant string:
 *
 * snapshot  `{"format":"vecstore-memory-snapshot","version":1,"metric":..,"dim":..,["model":..,]"generation":..,"count":..,"entries":[`
 *           one `{"id":..,"vector":"<base64 float32 LE>","payload":{..}}` line per entry, comma-separated
 *           `]}`
 *           Version 2 (written when the index keeps records) ends the entries with `],"records":[`,
 *           then one `{"key":..,"value":{..}}` line per record, comma-separated, then `]}`.
 * journal   `{"format":"vecstore-memory-journal","version":1,"generation":..}`
 *           one operation per line: `{"op":"upsert","entries":[..]}`, `{"op":"delete","ids":[..]}`,
 *           `{"op":"deleteWhere","filter":{..}}`, `{"op":"clear"}`,
 *           `{"op":"change","delete":[..],"upsert":[..],"putRecords":[..],"deleteRecords":[..]}`
 *
 * A journal applies only to the snapshot of the same generation, so a crash
 * between writing a new snapshot and resetting the journal replays nothing twice.
 */
export const SNAPSHOT_FORMAT = 'vecstore-memory-snapshot'
export const JOURNAL_FORMAT = 'vecstore-memory-journal'
export const FORMAT_VERSION = 1
/** The snapshot version of an index that keeps records. */
export const RECORDS_FORMAT_VERSION = 2
/** The line between a version 2 snapshot's entries and its records. */
export const RECORDS_LINE = '],"records":['

export interface SnapshotHeader {
  readonly metric: DistanceMetric
  readonly dim: number | undefined
  /** The embedding model recorded with the index (written only when known). */
  readonly model?: string | undefined
  readonly generation: number
  readonly count: number
  /** 2 when records follow the entries. Default: 1. */
  readonly version?: number
}

export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
}

function decodeVector(text: unknown): Float32Array {
  if (typeof text !== 'string') throw new Error('vector is not a base64 string')
  const bytes = Buffer.from(text, 'base64')
  if (bytes.length % 4 !== 0) throw new Error('vector bytes are not whole float32 values')
  // Copy: the decoded Buffer may be a slice of a shared pool with any alignment.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
}

export function encodeEntry(id: string, vectorBase64: string, payload: Payload): string {
  return `{"id":${JSON.stringify(id)},"vector":"${vectorBase64}","payload":${JSON.stringify(payload)}}`
}

/** One record line of a version 2 snapshot. */
export function encodeRecord(key: string, value: Payload): string {
  return `{"key":${JSON.stringify(key)},"value":${JSON.stringify(value)}}`
}

export function encodeSnapshotHeader(header: SnapshotHeader): string {
  const { metric, dim, model, generation, count } = header
  // An optional field: readers that predate it ignore it.
  const modelField = model === undefined ? '' : `"model":${JSON.stringify(model)},`
  return `{"format":"${SNAPSHOT_FORMAT}","version":${header.version ?? FORMAT_VERSION},"metric":"${metric}","dim":${dim ?? null},${modelField}"generation":${generation},"count":${count},"entries":[`
}

export function encodeJournalHeader(generation: number): string {
  return `{"format":"${JOURNAL_FORMAT}","version":${FORMAT_VERSION},"generation":${generation}}`
}

export function encodeOp(op: IndexOp): string {
  if (op.op === 'change') {
    const { delete: ids, upsert, putRecords, deleteRecords } = op
    return `{"op":"change","delete":${JSON.stringify(ids)},"upsert":[${encodeEntries(upsert)}],"putRecords":${JSON.stringify(putRecords)},"deleteRecords":${JSON.stringify(deleteRecords)}}`
  }
  if (op.op !== 'upsert') return JSON.stringify(op)
  return `{"op":"upsert","entries":[${encodeEntries(op.entries)}]}`
}

function encodeEntries(entries: readonly IndexEntry[]): string {
  return entries.map((e) => encodeEntry(e.id, encodeVector(e.vector), e.payload)).join(',')
}

/** Reads one journal line, checked exactly as a write would have been. */
export function decodeOp(raw: unknown, metric: DistanceMetric): IndexOp {
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
    case 'change':
      return decodeChange(raw, metric)
    default:
      throw new Error('unknown operation')
  }
}

function decodeChange(raw: Record<string, unknown>, metric: DistanceMetric): IndexOp {
  const list = (name: string): unknown[] => {
    const value = raw[name]
    if (!Array.isArray(value)) throw new Error(`change without ${name}`)
    return value
  }
  return {
    op: 'change',
    delete: list('delete').map((id) => validateId(id)),
    upsert: list('upsert').map((entry) => decodeEntry(entry, metric)),
    putRecords: list('putRecords').map(decodeRecord),
    deleteRecords: list('deleteRecords').map((key) => validateId(key)),
  }
}

function decodeRecord(raw: unknown): IndexRecord {
  if (!isPlainObject(raw)) throw new Error('record is not an object')
  return { key: validateId(raw['key']), value: validatePayload(raw['value']) }
}

function decodeEntry(raw: unknown, metric: DistanceMetric): IndexEntry {
  if (!isPlainObject(raw)) throw new Error('entry is not an object')
  const vector = validateVector(decodeVector(raw['vector']), undefined, metric)
  return { id: validateId(raw['id']), vector, payload: validatePayload(raw['payload']) }
}

/**
 * Loads a snapshot file into a new index: this format (streamed in chunks,
 * vectors decoded straight into place) or the original library's
 * `{"vectors", "payloads"}` layout, which has no metric (`legacyMetric` is used).
 */
export function loadSnapshot(
  path: string,
  legacyMetric: DistanceMetric,
): { header: SnapshotHeader; index: InMemoryIndex; bytes: number; legacy?: boolean } {
  if (!startsWith(path, `{"format":"${SNAPSHOT_FORMAT}"`)) return loadLegacy(path, legacyMetric)
  try {
    let index: InMemoryIndex | undefined
    let header: SnapshotHeader | undefined
    let entries = 0
    let inRecords = false
    const bytes = forEachLine(path, (line, n) => {
      if (n === 0) {
        header = parseHeader(line)
        index = new InMemoryIndex(header.metric, header.dim)
        index.reserve(header.count)
      } else if (inRecords && line !== ']}') {
        ;(index as InMemoryIndex).addRecord(decodeRecord(JSON.parse(line.replace(/,$/, ''))))
      } else if (
        line === RECORDS_LINE &&
        header?.version === RECORDS_FORMAT_VERSION &&
        !inRecords
      ) {
        if (entries !== header.count) throw new Error('the entry count does not match the header')
        inRecords = true
      } else if (line !== ']}') {
        addEntryLine(index as InMemoryIndex, line)
        entries++
      } else if (entries !== header?.count) {
        throw new Error('the entry count does not match the header')
      } else if (header.version === RECORDS_FORMAT_VERSION && !inRecords) {
        throw new Error('the records are missing')
      } else {
        return true
      }
      return false
    })
    if (index === undefined || header === undefined) throw new Error('the file is empty')
    if (bytes.complete !== true) throw new Error('the file is truncated')
    return { header, index, bytes: bytes.size }
  } catch (error) {
    throw new SnapshotCorruptError(path, (error as Error).message, { cause: error })
  }
}

function startsWith(path: string, prefix: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(prefix.length)
    readSync(fd, head, 0, head.length, 0)
    return head.toString('utf8') === prefix
  } finally {
    closeSync(fd)
  }
}

function parseHeader(line: string): SnapshotHeader {
  const head = JSON.parse(`${line}]}`) as Record<string, unknown>
  const version = head['version']
  if (version !== FORMAT_VERSION && version !== RECORDS_FORMAT_VERSION)
    throw new Error(`unsupported version ${String(version)}`)
  const dim = head['dim']
  if (dim !== null && (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1))
    throw new Error('bad dimension')
  const count = Number(head['count'])
  const model = head['model']
  if (model !== undefined && (typeof model !== 'string' || model === ''))
    throw new Error('bad model')
  return {
    metric: parseMetric(head['metric']),
    dim: dim ?? undefined,
    model,
    generation: Number(head['generation']),
    count,
    version,
  }
}

const ID_PREFIX = '{"id":'
const VECTOR_KEY = ',"vector":"'
const PAYLOAD_KEY = ',"payload":'

// Entries are read without JSON-parsing the (large) vector text; the parts are still checked.
function addEntryLine(index: InMemoryIndex, text: string): void {
  const line = text.endsWith(',') ? text.slice(0, -1) : text
  if (!line.startsWith(ID_PREFIX) || !line.endsWith('}')) throw new Error('bad entry line')
  const idEnd = endOfJsonString(line, ID_PREFIX.length)
  if (!line.startsWith(VECTOR_KEY, idEnd)) throw new Error('bad entry line')
  const vectorStart = idEnd + VECTOR_KEY.length
  const vectorEnd = line.indexOf('"', vectorStart)
  if (vectorEnd === -1 || !line.startsWith(PAYLOAD_KEY, vectorEnd + 1))
    throw new Error('bad entry line')
  const id = validateId(JSON.parse(line.slice(ID_PREFIX.length, idEnd)))
  const payload = validatePayload(JSON.parse(line.slice(vectorEnd + 1 + PAYLOAD_KEY.length, -1)))
  if (!index.addEncoded(id, line.slice(vectorStart, vectorEnd), payload)) {
    throw new Error('an entry has a bad vector or a repeated id')
  }
}

/** Index just past the JSON string that opens at `start`. */
function endOfJsonString(text: string, start: number): number {
  if (text[start] !== '"') throw new Error('bad entry line')
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i + 1
  }
  throw new Error('bad entry line')
}

function loadLegacy(path: string, metric: DistanceMetric) {
  const text = readFileSync(path, 'utf8')
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw new SnapshotCorruptError(path, 'not JSON', { cause: error })
  }
  if (!isPlainObject(doc) || !isPlainObject(doc['vectors'])) {
    throw new SnapshotCorruptError(
      path,
      'not a vecstore snapshot nor a {"vectors", "payloads"} document',
    )
  }
  const payloads = isPlainObject(doc['payloads']) ? doc['payloads'] : {}
  const index = new InMemoryIndex(metric, undefined)
  try {
    for (const [id, vector] of Object.entries(doc['vectors'])) {
      index.upsert({
        id: validateId(id),
        vector: validateVector(vector, index.dim, metric),
        payload: validatePayload(Object.hasOwn(payloads, id) ? payloads[id] : {}),
      })
    }
  } catch (error) {
    throw new SnapshotCorruptError(path, (error as Error).message, { cause: error })
  }
  return {
    header: { metric, dim: index.dim, generation: 0, count: index.size },
    index,
    bytes: text.length,
    legacy: true,
  }
}

/**
 * Calls `onLine` for each `\n`-terminated line of a file, read in chunks into
 * one reused buffer; stops when it returns true. Reports whether it stopped,
 * the bytes read and any text after the last newline.
 */
export function forEachLine(
  path: string,
  onLine: (line: string, n: number) => boolean,
): { complete: boolean; size: number; tail: string } {
  const fd = openSync(path, 'r')
  let buffer = Buffer.allocUnsafe(8 << 20)
  let filled = 0 // bytes of an unfinished line kept at the start of the buffer
  let n = 0
  let size = 0
  try {
    for (;;) {
      // A line longer than the free space: grow, keeping the partial line.
      if (filled === buffer.length)
        buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)])
      const read = readSync(fd, buffer, filled, buffer.length - filled, null)
      if (read === 0) return { complete: false, size, tail: buffer.toString('utf8', 0, filled) }
      size += read
      const end = filled + read
      let start = 0
      for (
        let newline = buffer.indexOf(10, filled);
        newline !== -1 && newline < end;
        newline = buffer.indexOf(10, start)
      ) {
        if (onLine(buffer.toString('utf8', start, newline), n++))
          return { complete: true, size, tail: '' }
        start = newline + 1
      }
      buffer.copy(buffer, 0, start, end)
      filled = end - start
    }
  } finally {
    closeSync(fd)
  }
}
