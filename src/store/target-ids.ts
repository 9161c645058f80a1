import type { VectorBackend } from '../core/backend.js'
import { compareIds } from '../core/validate.js'

/**
 * Walks a target's ids in id order alongside a source's pages (both lists
 * are in code point order), so each source page learns which of its ids the
 * target already holds without a lookup per id.
 */
export class TargetIdCursor {
  readonly #backend: VectorBackend
  readonly #pageSize: number
  #buffer: string[] = []
  #next = 0
  #after: string | undefined
  #exhausted = false

  constructor(backend: VectorBackend, pageSize: number) {
    this.#backend = backend
    this.#pageSize = pageSize
  }

  /** Which of these ids (ascending, after every id asked before) the target holds. */
  async among(ids: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(ids)
    const present = new Set<string>()
    const last = ids.at(-1)
    if (last === undefined) return present
    for (;;) {
      while (
        this.#next < this.#buffer.length &&
        compareIds(this.#buffer[this.#next] as string, last) <= 0
      ) {
        const id = this.#buffer[this.#next++] as string
        if (wanted.has(id)) present.add(id)
      }
      if (this.#next < this.#buffer.length || this.#exhausted) return present
      await this.#refill()
    }
  }

  async #refill(): Promise<void> {
    const page = await this.#backend.listWhere({}, this.#pageSize, {
      ...(this.#after !== undefined && { after: this.#after }),
    })
    this.#exhausted = page.length < this.#pageSize
    this.#buffer = page.map((entry) => entry.id)
    this.#next = 0
    this.#after = this.#buffer.at(-1) ?? this.#after
  }
}
