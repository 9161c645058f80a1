/** Where progress goes: stderr, so stdout stays clean for results. */
export interface ProgressStream {
  readonly isTTY?: boolean
  readonly columns?: number
  write(text: string): unknown
}

/**
 * A progress report on stderr: a redrawn bar on a terminal, otherwise one
 * plain line per 10% (logs and CI output stay readable).
 */
export class ProgressBar {
  readonly #label: string
  readonly #total: number
  readonly #stream: ProgressStream
  #done = 0
  #lastDecile = -1
  #lastDraw = 0

  constructor(label: string, total: number, stream: ProgressStream = process.stderr) {
    this.#label = label
    this.#total = Math.max(0, total)
    this.#stream = stream
  }

  /** Adds finished units (may go past the total when the source grows while it is read). */
  advance(units: number): void {
    this.#done += units
    if (this.#stream.isTTY) this.#draw(false)
    else this.#line()
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.#stream.isTTY) {
      this.#draw(true)
      this.#stream.write('\n')
    } else if (this.#lastDecile < 10) {
      this.#stream.write(`${this.#label}: ${this.#done}/${this.#total} (100%)\n`)
    }
  }

  #percent(): number {
    return this.#total === 0 ? 100 : Math.min(100, Math.floor((this.#done / this.#total) * 100))
  }

  #draw(force: boolean): void {
    const now = Date.now()
    // Redrawing on every unit would make the terminal the bottleneck.
    if (!force && now - this.#lastDraw < 50) return
    this.#lastDraw = now
    const counts = `${this.#percent()}% ${this.#done}/${this.#total}`
    const width = Math.max(
      10,
      Math.min(40, (this.#stream.columns ?? 80) - this.#label.length - counts.length - 6),
    )
    const filled = Math.round((this.#percent() / 100) * width)
    this.#stream.write(
      `\r${this.#label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts}`,
    )
  }

  #line(): void {
    const decile = Math.floor(this.#percent() / 10)
    if (decile === this.#lastDecile) return
    this.#lastDecile = decile
    this.#stream.write(`${this.#label}: ${this.#done}/${this.#total} (${this.#percent()}%)\n`)
  }
}
