/**
 * Formats float32 vectors as pgvector text literals (`[1,0.5,-2.5e-8]`).
 *
 * Every element is written with at most 9 significant digits, which is enough
 * for the server's `strtof` to recover the exact float32 value, and with
 * trailing zeros dropped. Writing bytes into one reusable buffer keeps each
 * literal a flat one-byte string: building it with `+=` creates rope strings
 * that cost several times more to keep alive while a batch is sent.
 */

// POW10[i] = 10 ** (i - POW10_OFFSET): covers every float32 exponent, subnormals included.
const POW10_OFFSET = 60
const POW10 = Float64Array.from({ length: 2 * POW10_OFFSET }, (_, i) => 10 ** (i - POW10_OFFSET))
const SIGNIFICANT_DIGITS = 9
// Sign, "0.", 5 zeros, 9 digits and a comma: 18 bytes per element at most.
const MAX_ELEMENT_BYTES = 20

let buffer = Buffer.allocUnsafe(64 * 1024)

// The binary exponent of a double, read from its bits: much cheaper than Math.log10.
const float64 = new Float64Array(1)
const words = new Uint32Array(float64.buffer)
const HIGH_WORD = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 1 : 0
const LOG10_2 = 0.3010299956639812
// "00".."99": two digits per division.
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) =>
  i % 2 === 0 ? 0x30 + Math.floor(i / 20) : 0x30 + ((i >> 1) % 10),
)

/** The pgvector text literal of a float32 vector. */
export function vectorLiteral(vector: Float32Array): string {
  const needed = vector.length * MAX_ELEMENT_BYTES + 2
  if (buffer.length < needed) buffer = Buffer.allocUnsafe(needed * 2)
  const out = buffer
  let p = 0
  out[p++] = 0x5b // [
  for (let i = 0; i < vector.length; i++) {
    if (i > 0) out[p++] = 0x2c // ,
    p = writeFloat32(out, p, vector[i] as number)
  }
  out[p++] = 0x5d // ]
  return out.toString('latin1', 0, p)
}

function writeFloat32(out: Buffer, start: number, value: number): number {
  let p = start
  let x = value
  if (x === 0) {
    out[p++] = 0x30
    return p
  }
  if (x < 0) {
    out[p++] = 0x2d // -
    x = -x
  }
  // Decimal exponent e and the 9-digit mantissa m (1e8 <= m < 1e9) of x. The estimate
  // from the binary exponent is floor(log10(x)) or one less; the fix-ups below settle it.
  float64[0] = x
  let e = Math.floor((((words[HIGH_WORD] as number) >>> 20) - 1023) * LOG10_2)
  let m = Math.round(x * (POW10[POW10_OFFSET + SIGNIFICANT_DIGITS - 1 - e] as number))
  if (m >= 1e9) {
    e += 1
    m = Math.round(x * (POW10[POW10_OFFSET + SIGNIFICANT_DIGITS - 1 - e] as number))
  } else if (m < 1e8) {
    e -= 1
    m = Math.round(x * (POW10[POW10_OFFSET + SIGNIFICANT_DIGITS - 1 - e] as number))
  }
  if (e < 0 && e > -7) {
    // Plain notation for 1e-6 <= x < 1, the usual range of embeddings: "0." zeros digits.
    out[p++] = 0x30
    out[p++] = 0x2e
    for (let z = -1; z > e; z--) out[p++] = 0x30
    return writeMantissa(out, p, m)
  }
  if (e >= 0 && e < SIGNIFICANT_DIGITS && Number.isInteger(x)) return writeInteger(out, p, x)
  // Scientific notation elsewhere: d.dddddddde-x.
  const end = writeMantissa(out, p + 1, m)
  out[p] = out[p + 1] as number
  out[p + 1] = 0x2e
  p = end === p + 2 ? p + 1 : end
  out[p++] = 0x65 // e
  if (e < 0) {
    out[p++] = 0x2d
    e = -e
  }
  if (e >= 10) out[p++] = 0x30 + Math.floor(e / 10)
  out[p++] = 0x30 + (e % 10)
  return p
}

// Writes the 9 digits of m, then drops its trailing zeros.
function writeMantissa(out: Buffer, start: number, mantissa: number): number {
  let m = mantissa
  for (let q = start + SIGNIFICANT_DIGITS - 1; q > start; q -= 2) {
    const d = (m / 100) | 0
    const pair = (m - d * 100) * 2
    out[q - 1] = DIGIT_PAIRS[pair] as number
    out[q] = DIGIT_PAIRS[pair + 1] as number
    m = d
  }
  out[start] = 0x30 + m
  let end = start + SIGNIFICANT_DIGITS
  while (out[end - 1] === 0x30) end--
  return end
}

// Integers below 1e9 (exact in float32 up to 2^24, and every float32 >= 2^24 is an integer).
function writeInteger(out: Buffer, start: number, value: number): number {
  let length = 1
  while (length < SIGNIFICANT_DIGITS && value >= (POW10[POW10_OFFSET + length] as number)) length++
  let m = value
  for (let q = start + length - 1; q >= start; q--) {
    const d = (m / 10) | 0
    out[q] = 0x30 + m - d * 10
    m = d
  }
  return start + length
}
