/**
 * Rows in PostgreSQL's binary COPY format: `(id text, embedding vector,
 * payload jsonb)`. Vectors travel as their float32 bytes (pgvector's binary
 * form: int16 dimension, int16 zero, big-endian floats), so the client does
 * no float-to-text formatting and the server no parsing.
 */

interface BinaryRow {
  readonly id: string
  readonly vector: Float32Array
  readonly payload: unknown
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
const FIELDS_PER_ROW = 3
const JSONB_VERSION = 1
const IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1
/** Bytes per yielded chunk: large enough to keep the socket busy, small enough to stay cheap. */
const CHUNK_BYTES = 1 << 20

/** The COPY stream of `rows`, in chunks of about a megabyte. */
export function* binaryCopyChunks(rows: readonly BinaryRow[]): Generator<Buffer> {
  let out = Buffer.allocUnsafe(CHUNK_BYTES)
  let p = SIGNATURE.copy(out, 0)
  p = out.writeInt32BE(0, p) // flags
  p = out.writeInt32BE(0, p) // header extension length
  for (const row of rows) {
    const id = Buffer.from(row.id, 'utf8')
    const payload = Buffer.from(JSON.stringify(row.payload), 'utf8')
    const vectorBytes = 4 + 4 * row.vector.length
    const rowBytes = 2 + 4 + id.length + 4 + vectorBytes + 4 + 1 + payload.length
    if (p + rowBytes > out.length) {
      yield out.subarray(0, p)
      out = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, rowBytes))
      p = 0
    }
    p = out.writeInt16BE(FIELDS_PER_ROW, p)
    p = out.writeInt32BE(id.length, p)
    p += id.copy(out, p)
    p = out.writeInt32BE(vectorBytes, p)
    p = out.writeInt16BE(row.vector.length, p)
    p = out.writeInt16BE(0, p)
    p = writeFloatsBigEndian(out, p, row.vector)
    p = out.writeInt32BE(1 + payload.length, p)
    p = out.writeUInt8(JSONB_VERSION, p)
    p += payload.copy(out, p)
  }
  if (p + 2 > out.length) {
    yield out.subarray(0, p)
    out = Buffer.allocUnsafe(2)
    p = 0
  }
  p = out.writeInt16BE(-1, p) // trailer
  yield out.subarray(0, p)
}

// Copies the float32 bytes, then swaps them in place: far cheaper than one write per element.
function writeFloatsBigEndian(out: Buffer, start: number, vector: Float32Array): number {
  const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength)
  out.set(bytes, start)
  const end = start + vector.byteLength
  if (IS_LITTLE_ENDIAN) out.subarray(start, end).swap32()
  return end
}
