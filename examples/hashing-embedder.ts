/**
 * A deterministic, offline embedder for demos and tests: words are hashed into
 * a fixed number of buckets (the "hashing trick"). It is lexical, not semantic:
 * texts score as similar when they share words, not meaning. Use a real
 * embedding model in an application.
 */
export class HashingEmbedder {
  readonly model = 'hashing-v1'
  readonly dimensions: number

  constructor(dimensions = 256) {
    this.dimensions = dimensions
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    return texts.map((text) => this.#embedOne(text))
  }

  #embedOne(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0)
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
    for (const word of words) {
      if (STOP_WORDS.has(word) || word.length < 2) continue
      const hash = fnv1a(stem(word))
      // The sign bit spreads collisions around zero instead of piling them up.
      vector[hash % this.dimensions] =
        (vector[hash % this.dimensions] as number) + (hash & 0x80000000 ? -1 : 1)
    }
    const norm = Math.hypot(...vector)
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
