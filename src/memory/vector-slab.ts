import { CapacityExceededError } from '../core/errors.js'
import { SCAN_WASM_BASE64 } from './kernel/scan-wasm.js'

const PAGE = 65_536
const MAX_PAGES = 65_536 // 4 GiB: the most a 32-bit WebAssembly memory can address
const scanModule = new WebAssembly.Module(Buffer.from(SCAN_WASM_BASE64, 'base64'))

interface ScanKernel {
  dotScan(query: number, rows: number, n: number, dim: number, out: number): void
  l2sqScan(query: number, rows: number, n: number, dim: number, out: number): void
}

/**
 * Vectors of one dimension in one contiguous float32 block, a slot per row,
 * scanned by a SIMD WebAssembly kernel at memory speed. Layout of the
 * memory: [query][rows × capacity][one output float per row].
 */
export class VectorSlab {
  readonly dim: number
  readonly #memory: WebAssembly.Memory
  readonly #kernel: ScanKernel
  readonly #rowsOffset: number
  #capacity: number
  #size = 0
  #floats: Float32Array

  constructor(dim: number, initialCapacity = 1024) {
    this.dim = dim
    this.#rowsOffset = align(dim * 4, 64)
    this.#capacity = initialCapacity
    this.#memory = new WebAssembly.Memory({
      initial: Math.ceil(this.#bytesFor(initialCapacity) / PAGE),
      maximum: MAX_PAGES,
    })
    const instance = new WebAssembly.Instance(scanModule, { env: { memory: this.#memory } })
    this.#kernel = instance.exports as unknown as ScanKernel
    this.#floats = new Float32Array(this.#memory.buffer)
  }

  /** Appends a row and returns its slot. */
  push(vector: Float32Array): number {
    if (this.#size === this.#capacity) this.#grow(this.#capacity + 1)
    this.set(this.#size, vector)
    return this.#size++
  }

  /**
   * Appends a row given as base64 of little-endian float32 bytes, decoded
   * straight into place (snapshots load without an intermediate copy).
   * Returns the slot, or -1 when the text is not exactly one row.
   */
  pushBase64(text: string): number {
    if (text.length !== Math.ceil((this.dim * 4) / 3) * 4) return -1
    if (this.#size === this.#capacity) this.#grow(this.#capacity + 1)
    const bytes = Buffer.from(this.#memory.buffer, this.#rowStart(this.#size) * 4, this.dim * 4)
    if (bytes.write(text, 'base64') !== this.dim * 4) return -1
    return this.#size++
  }

  /** Makes room for `capacity` rows at once. */
  reserve(capacity: number): void {
    if (capacity > this.#capacity) this.#grow(capacity)
  }

  /** Drops the last row. */
  pop(): void {
    this.#size--
  }

  set(slot: number, vector: Float32Array): void {
    this.#view().set(vector, this.#rowStart(slot))
  }

  /** Moves the last row into `slot` and drops the last row (swap-remove). */
  removeBySwap(slot: number): void {
    const last = this.#size - 1
    if (slot !== last) {
      const start = this.#rowStart(last)
      this.#view().copyWithin(this.#rowStart(slot), start, start + this.dim)
    }
    this.#size = last
  }

  clear(): void {
    this.#size = 0
  }

  /** A view of one row, valid until the slab next changes. */
  view(slot: number): Float32Array {
    const start = this.#rowStart(slot)
    return this.#view().subarray(start, start + this.dim)
  }

  /** One row as base64 of its little-endian float32 bytes. */
  rowBase64(slot: number): string {
    return Buffer.from(this.#memory.buffer, this.#rowStart(slot) * 4, this.dim * 4).toString(
      'base64',
    )
  }

  /**
   * One pass over every row: the dot product with `query` (`'dot'`) or the
   * squared euclidean distance (`'l2sq'`). The returned view is valid until the
   * slab next changes.
   */
  scan(query: Float32Array, kind: 'dot' | 'l2sq'): Float32Array {
    const floats = this.#view()
    floats.set(query, 0)
    const out = this.#rowsOffset + this.#capacity * this.dim * 4
    const scan = kind === 'dot' ? this.#kernel.dotScan : this.#kernel.l2sqScan
    scan(0, this.#rowsOffset, this.#size, this.dim, out)
    return floats.subarray(out / 4, out / 4 + this.#size)
  }

  #rowStart(slot: number): number {
    return this.#rowsOffset / 4 + slot * this.dim
  }

  #bytesFor(capacity: number): number {
    return this.#rowsOffset + capacity * (this.dim + 1) * 4
  }

  // Grows to at least `needed` rows: doubling while that fits, else exactly what is needed.
  #grow(needed: number): void {
    const maxRows = Math.floor((MAX_PAGES * PAGE - this.#rowsOffset) / ((this.dim + 1) * 4))
    if (needed > maxRows) {
      throw new CapacityExceededError(
        `the in-memory index is full: at most ${maxRows} vectors of ${this.dim} dimensions (4 GiB)`,
      )
    }
    const capacity = Math.min(Math.max(needed, this.#capacity * 2), maxRows)
    const pages = Math.ceil(this.#bytesFor(capacity) / PAGE)
    const current = this.#memory.buffer.byteLength / PAGE
    try {
      if (pages > current) this.#memory.grow(pages - current)
    } catch (error) {
      throw new CapacityExceededError(`the in-memory index cannot grow to ${capacity} vectors`, {
        cause: error,
      })
    }
    this.#capacity = capacity
  }

  // A grown memory detaches the old ArrayBuffer, so views are refreshed lazily.
  #view(): Float32Array {
    if (this.#floats.buffer !== this.#memory.buffer)
      this.#floats = new Float32Array(this.#memory.buffer)
    return this.#floats
  }
}

function align(bytes: number, to: number): number {
  return Math.ceil(bytes / to) * to
}
