import { wholeNumber } from '../internal/options.js'
import type { Embedder } from './embedder.js'

/**
 * A deterministic, offline {@link Embedder} for demos and tests: words are
 * hashed into a fixed number of buckets (the "hashing trick") and the counts
 * normalized. It is **lexical, not semantic**: texts score as similar when
 * they share words, not meaning ("car" and "automobile" are unrelated to it).
 * Use a real embedding model in an application.
 *
 * @example
 * ```ts
 * const embedder = new HashingEmbedder() // 256 dimensions
 * const [vector] = await embedder.embed(['how are scores computed'])
 * ```
 */
export class HashingEmbedder implements Embedder {
  /** `hashing-v1-<dimensions>`: recorded with the vectors it makes. */
  readonly model: string
  /** The vector length (hash buckets). */
  readonly dimensions: number

  /** @param dimensions number of hash buckets (vector length), 8 to 16000. Default: 256. */
  constructor(dimensions = 256) {
    this.dimensions = wholeNumber('dimensions', dimensions, [8, 16_000], 'HashingEmbedder')
    this.model = `hashing-v1-${dimensions}`
  }

  /** One L2-normalized vector per text, in order. */
  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => this.#embedOne(text))
  }

  #embedOne(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0)
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
    for (const word of words) {
      if (STOP_WORDS.has(word) || word.length < 2) continue
      const hash = fnv1a(stem(word))
      const bucket = hash % this.dimensions
      // The sign bit spreads collisions around zero instead of piling them up.
      vector[bucket] = (vector[bucket] as number) + (hash & 0x80000000 ? -1 : 1)
    }
    const norm = Math.hypot(...vector)
    // A text with no countable word still gets a valid (non-zero) vector under COSINE.
    return norm === 0 ? vector.map((_, i) => (i === 0 ? 1 : 0)) : vector.map((x) => x / norm)
  }
}

const STOP_WORDS = new Set(
  (
    'a an and any are as at be by can do does each for from get gives give has have how i if in into is it its ' +
    'not of on one or so that the their them then there these this to use uses what when which with you your'
  ).split(' '),
)

// A crude stemmer: "operators", "operator" and "operate" share a bucket.
function stem(word: string): string {
  return word.length > 4 ? word.replace(/(ing|ed|ors|or|es|s)$/, '') : word
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
