import { InvalidArgumentError } from '../core/errors.js'
import { wholeNumber } from '../internal/options.js'

/**
 * Splits a document's text into chunks to embed. `VectorStore.index` calls it
 * for each new or changed document; `fingerprint` names its settings, so that
 * changing them re-splits every document on the next run.
 */
export interface TextSplitter {
  /** Identifies the splitter and its settings. Default: none (changes then go unnoticed). */
  readonly fingerprint?: string
  /** The chunks of a text, in order. */
  split(text: string): readonly string[] | Promise<readonly string[]>
}

/** Measures a text: characters by default, or tokens with a tokenizer's count. */
export type TokenCounter = (text: string) => number

/** Options of {@link RecursiveTextSplitter}. */
export interface RecursiveTextSplitterConfig {
  /** Largest chunk, in the units of `counter`. Default: 1000. */
  readonly chunkSize?: number
  /** How much of the end of a chunk the next one repeats, in the units of `counter`. Default: 100. */
  readonly chunkOverlap?: number
  /** The length of a text: characters by default, or your tokenizer's token count. */
  readonly counter?: TokenCounter
  /** A name for `counter` in the fingerprint (e.g. `'cl100k'`). Default: `'chars'`, or `'custom'` with a counter. */
  readonly counterName?: string
  /** `'markdown'` splits at headings before paragraphs. Default: `'text'`. */
  readonly format?: 'text' | 'markdown'
}

// Coarse to fine: headings (markdown), paragraphs, lines, sentences, words, characters.
// Each separator stays at the end of the piece before it, so pieces join back into the text.
const HEADINGS = /(?<=\n)(?=#{1,6}\s)/
const TEXT_SEPARATORS: readonly RegExp[] = [
  /(?<=\n[ \t]*\n)/,
  /(?<=\n)/,
  /(?<=[.!?…。！？]["'’”)\]]*\s)/u,
  /(?<=\s)/,
]

/**
 * A recursive text splitter: paragraphs first, then lines, sentences and
 * words, so a chunk breaks at the largest boundary that keeps it within
 * `chunkSize`; neighbouring chunks share `chunkOverlap`. With `format:
 * 'markdown'`, every heading starts a new chunk. Sizes are characters,
 * or tokens through a pluggable `counter`. Chunks are exact (trimmed)
 * substrings of the text.
 *
 * @example
 * ```ts
 * const splitter = new RecursiveTextSplitter({ chunkSize: 800, chunkOverlap: 80, format: 'markdown' })
 * const chunks = splitter.split(text)
 * ```
 */
export class RecursiveTextSplitter implements TextSplitter {
  /** The settings, as `VectorStore.index` hashes them. */
  readonly fingerprint: string
  readonly #size: number
  readonly #overlap: number
  readonly #counter: TokenCounter
  readonly #separators: readonly RegExp[]
  readonly #markdown: boolean

  constructor(config: RecursiveTextSplitterConfig = {}) {
    const owner = 'RecursiveTextSplitter'
    this.#size = wholeNumber('chunkSize', config.chunkSize ?? 1000, [1, 1_000_000], owner)
    this.#overlap = wholeNumber('chunkOverlap', config.chunkOverlap ?? 100, [0, 1_000_000], owner)
    if (this.#overlap >= this.#size) {
      throw new InvalidArgumentError(`${owner}: expected chunkOverlap to be less than chunkSize`)
    }
    if (config.counter !== undefined && typeof config.counter !== 'function') {
      throw new InvalidArgumentError(`${owner}: expected counter to be a function`)
    }
    const format = config.format ?? 'text'
    if (format !== 'text' && format !== 'markdown') {
      throw new InvalidArgumentError(`${owner}: expected format to be 'text' or 'markdown'`)
    }
    this.#counter = config.counter ?? ((text) => text.length)
    this.#markdown = format === 'markdown'
    this.#separators = this.#markdown ? [HEADINGS, ...TEXT_SEPARATORS] : TEXT_SEPARATORS
    const counterName = config.counterName ?? (config.counter ? 'custom' : 'chars')
    this.fingerprint = `recursive-v1:${format}:${this.#size}:${this.#overlap}:${counterName}`
  }

  /** The chunks of `text`, in order; empty and whitespace-only chunks are left out. */
  split(text: string): string[] {
    if (typeof text !== 'string') throw new InvalidArgumentError('expected text to be a string')
    return this.#merge(this.#pieces(text, 0))
      .map((chunk) => chunk.trim())
      .filter((chunk) => chunk !== '')
  }

  // Pieces no longer than chunkSize (a single character may be), split at the coarsest boundary.
  #pieces(text: string, level: number): string[] {
    // Trailing whitespace is trimmed from chunks: it does not count against the size.
    if (this.#counter(text.trimEnd()) <= this.#size) return [text]
    const separator = this.#separators[level]
    if (separator === undefined) return [...text]
    const parts = text.split(separator).filter((part) => part !== '')
    if (parts.length === 1) return this.#pieces(text, level + 1)
    return parts.flatMap((part) => this.#pieces(part, level + 1))
  }

  // Packs pieces greedily into chunks; each next chunk starts with the tail that fits in the overlap.
  #merge(pieces: readonly string[]): string[] {
    const lengths = pieces.map((piece) => this.#counter(piece))
    // A chunk's last piece loses its trailing whitespace: only its trimmed length must fit.
    const trimmed = pieces.map((piece) => this.#counter(piece.trimEnd()))
    const chunks: string[] = []
    let start = 0
    while (start < pieces.length) {
      let end = start
      let size = 0
      while (
        end < pieces.length &&
        (end === start ||
          (size + (trimmed[end] as number) <= this.#size && !this.#opensSection(pieces[end])))
      ) {
        size += lengths[end] as number
        end++
      }
      chunks.push(pieces.slice(start, end).join(''))
      if (end === pieces.length) break
      // A new section starts a chunk of its own, without the previous section's tail.
      start = this.#opensSection(pieces[end]) ? end : this.#overlapStart(lengths, start, end)
    }
    return chunks
  }

  // Markdown: a heading starts a new chunk, so a chunk never spans two sections.
  #opensSection(piece: string | undefined): boolean {
    return this.#markdown && piece !== undefined && /^#{1,6}\s/.test(piece)
  }

  // The first piece of the next chunk: as far back from `end` as the overlap allows, past `start`.
  #overlapStart(lengths: readonly number[], start: number, end: number): number {
    let next = end
    let overlap = 0
    while (next - 1 > start && overlap + (lengths[next - 1] as number) <= this.#overlap) {
      overlap += lengths[next - 1] as number
      next--
    }
    // The overlap plus the next piece must still fit in a chunk.
    while (next < end && overlap + (lengths[end] as number) > this.#size) {
      overlap -= lengths[next] as number
      next++
    }
    return next
  }
}
