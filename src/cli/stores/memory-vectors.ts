import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs'
import type { DistanceMetric } from '../../core/metric.js'
import {
  decodeOp,
  forEachLine,
  JOURNAL_FORMAT,
  SNAPSHOT_FORMAT,
} from '../../memory/snapshot-format.js'

/**
 * Reads the vectors of an in-memory snapshot from its files: the snapshot's
 * entries, then the journal's upserts (when the journal belongs to this
 * snapshot's generation). Deletes are not replayed: callers only ask for ids
 * the backend still lists, whose latest upsert is their current vector.
 * The backend must have the snapshot open (locked, torn journal tail cut).
 */
export function readSnapshotVectors(
  path: string,
  metric: DistanceMetric,
): Map<string, Float32Array> {
  const vectors = new Map<string, Float32Array>()
  const keep = (line: string) => {
    const op = decodeOp(JSON.parse(line), metric)
    if (op.op === 'upsert') for (const entry of op.entries) vectors.set(entry.id, entry.vector)
  }
  let generation = 0
  if (!startOf(path, SNAPSHOT_FORMAT.length + 12).startsWith(`{"format":"${SNAPSHOT_FORMAT}"`))
    return legacyVectors(path)
  forEachLine(path, (line, n) => {
    if (n === 0) {
      generation = Number((JSON.parse(`${line}]}`) as { generation: unknown }).generation)
      return false
    }
    if (line === ']}') return true
    keep(`{"op":"upsert","entries":[${line.endsWith(',') ? line.slice(0, -1) : line}]}`)
    return false
  })
  const journal = `${path}.journal`
  if (!existsSync(journal)) return vectors
  forEachLine(journal, (line, n) => {
    if (n > 0) keep(line)
    else {
      const header = JSON.parse(line) as { format?: unknown; generation?: unknown }
      // A journal of an older generation is already part of the snapshot.
      if (header.format !== JOURNAL_FORMAT || header.generation !== generation) return true
    }
    return false
  })
  return vectors
}

// The original library's layout: {"vectors": {id: [numbers]}, "payloads": {...}}.
function legacyVectors(path: string): Map<string, Float32Array> {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { vectors: Record<string, number[]> }
  return new Map(Object.entries(doc.vectors).map(([id, v]) => [id, Float32Array.from(v)]))
}

function startOf(path: string, bytes: number): string {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(bytes)
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, bytes, 0))
  } finally {
    closeSync(fd)
  }
}
