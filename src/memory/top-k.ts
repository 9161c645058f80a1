import { compareIds } from '../core/validate.js'

/**
 * How far below the k-th key a row may rank and still belong in the answer:
 * `absolute + relative · |k-th key|`. Keys are float32 approximations of the
 * exact scores; rows this close to the cut-off are re-scored exactly.
 */
export interface KeySlack {
  readonly absolute: number
  readonly relative: number
}

/**
 * Keeps the best `k` slots seen so far in a binary min-heap (the worst kept
 * slot on top), so a scan of n rows costs O(n log k) rather than a full sort.
 * Higher keys are better; equal keys prefer the smaller id.
 *
 * It also remembers the near misses: rows turned away or pushed out while
 * their key was within the slack of the cut-off. The cut-off only rises, so
 * every row that ends within the slack of the final k-th key is among them.
 */
export class TopK {
  readonly #keys: Float64Array
  readonly #slots: Int32Array
  readonly #ids: readonly string[]
  readonly #slack: KeySlack
  #size = 0
  // Keys below this are too far below the cut-off to matter (only once the heap is full).
  #floor = -Infinity
  readonly #nearSlots: number[] = []
  readonly #nearKeys: number[] = []

  constructor(k: number, ids: readonly string[], slack: KeySlack = { absolute: 0, relative: 0 }) {
    this.#keys = new Float64Array(k)
    this.#slots = new Int32Array(k)
    this.#ids = ids
    this.#slack = slack
  }

  /** Would a row with this key and slot enter the selection? Cheap: call before costlier checks. */
  admits(key: number, slot: number): boolean {
    if (this.#size < this.#keys.length) return true
    const worst = this.#keys[0] as number
    if (key > worst) return true
    if (key === worst && compareIds(this.#ids[slot] as string, this.#worstId()) < 0) return true
    if (key >= this.#floor) this.#remember(key, slot)
    return false
  }

  /** Adds a row that {@link admits} accepted. */
  push(key: number, slot: number): void {
    if (this.#size < this.#keys.length) {
      this.#keys[this.#size] = key
      this.#slots[this.#size] = slot
      this.#siftUp(this.#size++)
      if (this.#size === this.#keys.length) this.#raiseFloor()
      return
    }
    const evictedKey = this.#keys[0] as number
    const evictedSlot = this.#slots[0] as number
    this.#keys[0] = key
    this.#slots[0] = slot
    this.#siftDown(0)
    this.#raiseFloor()
    if (evictedKey >= this.#floor) this.#remember(evictedKey, evictedSlot)
  }

  /** The selected slots with their keys, best first. */
  sorted(): { slot: number; key: number }[] {
    const out = []
    for (let i = 0; i < this.#size; i++)
      out.push({ slot: this.#slots[i] as number, key: this.#keys[i] as number })
    return out.sort(
      (a, b) =>
        b.key - a.key || compareIds(this.#ids[a.slot] as string, this.#ids[b.slot] as string),
    )
  }

  /**
   * Rows not selected whose key ends within the slack of the k-th: the
   * exact scores may rank them in. They were not checked against a filter.
   */
  nearMisses(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.#nearSlots.length; i++) {
      if ((this.#nearKeys[i] as number) >= this.#floor) out.push(this.#nearSlots[i] as number)
    }
    return out
  }

  #remember(key: number, slot: number): void {
    this.#nearKeys.push(key)
    this.#nearSlots.push(slot)
  }

  #raiseFloor(): void {
    const worst = this.#keys[0] as number
    this.#floor = worst - (this.#slack.absolute + this.#slack.relative * Math.abs(worst))
  }

  #worstId(): string {
    return this.#ids[this.#slots[0] as number] as string
  }

  // True when entry i ranks below entry j.
  #worse(i: number, j: number): boolean {
    const a = this.#keys[i] as number
    const b = this.#keys[j] as number
    if (a !== b) return a < b
    return (
      compareIds(
        this.#ids[this.#slots[i] as number] as string,
        this.#ids[this.#slots[j] as number] as string,
      ) > 0
    )
  }

  #siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#worse(i, parent)) return
      this.#swap(i, parent)
      i = parent
    }
  }

  #siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let worst = i
      if (left < this.#size && this.#worse(left, worst)) worst = left
      if (right < this.#size && this.#worse(right, worst)) worst = right
      if (worst === i) return
      this.#swap(i, worst)
      i = worst
    }
  }

  #swap(i: number, j: number): void {
    const key = this.#keys[i] as number
    this.#keys[i] = this.#keys[j] as number
    this.#keys[j] = key
    const slot = this.#slots[i] as number
    this.#slots[i] = this.#slots[j] as number
    this.#slots[j] = slot
  }
}
