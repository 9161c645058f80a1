/**
 * LSA (latent semantic analysis) as an `Embedder`: TF-IDF over a corpus, reduced to `dimensions`
 * by a truncated SVD trained on that corpus, so texts that share no word but share contexts
 * land close. A real dense model for a corpus where no neural model can be downloaded; like any
 * dense model of a few hundred dimensions, it blurs rare terms (identifiers) into their topics.
 *
 * - tokens: runs of letters and digits, lowercased (the in-memory full text's tokens);
 * - weights: (1 + ln tf) · ln(N / df), rows L2-normalised; terms in fewer than `minDf` documents
 *   are dropped;
 * - SVD: randomized (Halko, Martinsson & Tropp 2011), `oversample` extra columns and `powerIterations`
 *   rounds, orthonormalised through eigendecompositions of small Gram matrices (ml-matrix);
 * - a text's vector: its TF-IDF row times the top `dimensions` right singular vectors (U·Σ for a
 *   training document), L2-normalised.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import type { Embedder } from '../../src/index.js'
import { tokenize } from '../../src/memory/bm25-query.js'

/** Training options of {@link LsaEmbedder.train}. */
export interface LsaOptions {
  readonly dimensions?: number
  readonly minDf?: number
  readonly oversample?: number
  readonly powerIterations?: number
  readonly seed?: number
}

interface SparseRows {
  readonly offsets: Uint32Array
  readonly terms: Uint32Array
  readonly values: Float64Array
}

export class LsaEmbedder implements Embedder {
  readonly model: string
  readonly dimensions: number
  readonly #vocabulary: Map<string, number>
  readonly #idf: Float64Array
  // terms × dimensions, row-major: each term's loadings on the singular vectors.
  readonly #projection: Float64Array

  private constructor(
    vocabulary: Map<string, number>,
    idf: Float64Array,
    projection: Float64Array,
    dimensions: number,
  ) {
    this.#vocabulary = vocabulary
    this.#idf = idf
    this.#projection = projection
    this.dimensions = dimensions
    this.model = `lsa-${dimensions}`
  }

  /** Trains on a corpus: vocabulary, IDF and the truncated SVD of its TF-IDF matrix. */
  static train(corpus: readonly string[], options: LsaOptions = {}): LsaEmbedder {
    const k = options.dimensions ?? 256
    const l = k + (options.oversample ?? 10)
    const tokens = corpus.map(tokenize)
    const df = new Map<string, number>()
    for (const doc of tokens) for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1)
    const vocabulary = new Map<string, number>()
    for (const [term, n] of df) if (n >= (options.minDf ?? 2)) vocabulary.set(term, vocabulary.size)
    const idf = new Float64Array(vocabulary.size)
    for (const [term, i] of vocabulary) idf[i] = Math.log(corpus.length / (df.get(term) as number))
    const a = tfidfRows(tokens, vocabulary, idf)
    const n = vocabulary.size
    const random = gaussian(options.seed ?? 1)
    let z: Float64Array = Float64Array.from({ length: n * l }, random)
    let y: Float64Array = multiply(a, z, l)
    for (let i = 0; i < (options.powerIterations ?? 2); i++) {
      z = orthonormal(transposeMultiply(a, orthonormal(y, l), n, l), l)
      y = multiply(a, z, l)
    }
    const q = orthonormal(y, l)
    const bt = transposeMultiply(a, q, n, l) // n × l: Bᵀ, B = Qᵀ·A
    const eigen = new EigenvalueDecomposition(gram(bt, l), { assumeSymmetric: true })
    const order = eigen.realEigenvalues.map((value, i) => [value, i] as const)
    order.sort((x, y2) => y2[0] - x[0])
    const vectors = eigen.eigenvectorMatrix
    // V = Bᵀ·W·Λ^(-1/2): the right singular vectors of A, top k.
    const projection = new Float64Array(n * k)
    for (let c = 0; c < k; c++) {
      const [value, index] = order[c] as readonly [number, number]
      const scale = 1 / Math.sqrt(Math.max(value, 1e-30))
      for (let t = 0; t < n; t++) {
        let sum = 0
        for (let j = 0; j < l; j++) sum += (bt[t * l + j] as number) * vectors.get(j, index)
        projection[t * k + c] = sum * scale
      }
    }
    return new LsaEmbedder(vocabulary, idf, projection, k)
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.#embedOne(text))
  }

  #embedOne(text: string): Float32Array {
    const row = tfidfRows([tokenize(text)], this.#vocabulary, this.#idf)
    const k = this.dimensions
    const out = new Float64Array(k)
    for (let p = 0; p < row.terms.length; p++) {
      const base = (row.terms[p] as number) * k
      const value = row.values[p] as number
      for (let c = 0; c < k; c++)
        out[c] = (out[c] as number) + value * (this.#projection[base + c] as number)
    }
    const norm = Math.hypot(...out)
    // A text with no known term: a fixed unit vector, so cosine stays defined.
    if (norm === 0) return Float32Array.from({ length: k }, (_, c) => (c === 0 ? 1 : 0))
    return Float32Array.from(out, (x) => x / norm)
  }
}

function tfidfRows(
  docs: readonly (readonly string[])[],
  vocabulary: ReadonlyMap<string, number>,
  idf: Float64Array,
): SparseRows {
  const offsets = new Uint32Array(docs.length + 1)
  const terms: number[] = []
  const values: number[] = []
  docs.forEach((doc, r) => {
    const counts = new Map<number, number>()
    for (const token of doc) {
      const t = vocabulary.get(token)
      if (t !== undefined) counts.set(t, (counts.get(t) ?? 0) + 1)
    }
    const start = values.length
    for (const [t, count] of counts) {
      terms.push(t)
      values.push((1 + Math.log(count)) * (idf[t] as number))
    }
    const norm = Math.hypot(...values.slice(start))
    for (let i = start; i < values.length; i++) values[i] = (values[i] as number) / (norm || 1)
    offsets[r + 1] = values.length
  })
  return { offsets, terms: Uint32Array.from(terms), values: Float64Array.from(values) }
}

// A (rows × n, sparse) times M (n × l, row-major).
function multiply(a: SparseRows, m: Float64Array, l: number): Float64Array {
  const rows = a.offsets.length - 1
  const out = new Float64Array(rows * l)
  for (let r = 0; r < rows; r++) {
    for (let p = a.offsets[r] as number; p < (a.offsets[r + 1] as number); p++) {
      const base = (a.terms[p] as number) * l
      const v = a.values[p] as number
      for (let j = 0; j < l; j++)
        out[r * l + j] = (out[r * l + j] as number) + v * (m[base + j] as number)
    }
  }
  return out
}

// Aᵀ (n × rows) times M (rows × l).
function transposeMultiply(a: SparseRows, m: Float64Array, n: number, l: number): Float64Array {
  const out = new Float64Array(n * l)
  const rows = a.offsets.length - 1
  for (let r = 0; r < rows; r++) {
    for (let p = a.offsets[r] as number; p < (a.offsets[r + 1] as number); p++) {
      const base = (a.terms[p] as number) * l
      const v = a.values[p] as number
      for (let j = 0; j < l; j++)
        out[base + j] = (out[base + j] as number) + v * (m[r * l + j] as number)
    }
  }
  return out
}

// Mᵀ·M for M (rows × l, row-major).
function gram(m: Float64Array, l: number): Matrix {
  const g = new Float64Array(l * l)
  const rows = m.length / l
  for (let r = 0; r < rows; r++) {
    const off = r * l
    for (let i = 0; i < l; i++) {
      const x = m[off + i] as number
      if (x === 0) continue
      for (let j = i; j < l; j++)
        g[i * l + j] = (g[i * l + j] as number) + x * (m[off + j] as number)
    }
  }
  const out = new Matrix(l, l)
  for (let i = 0; i < l; i++)
    for (let j = i; j < l; j++) {
      out.set(i, j, g[i * l + j] as number)
      out.set(j, i, g[i * l + j] as number)
    }
  return out
}

// An orthonormal basis of M's columns: M·W·Λ^(-1/2) from the eigendecomposition of MᵀM.
function orthonormal(m: Float64Array, l: number): Float64Array {
  const eigen = new EigenvalueDecomposition(gram(m, l), { assumeSymmetric: true })
  const values = eigen.realEigenvalues
  const w = eigen.eigenvectorMatrix
  const largest = Math.max(...values)
  const transform = new Float64Array(l * l)
  for (let c = 0; c < l; c++) {
    const value = values[c] as number
    const scale = value > largest * 1e-12 ? 1 / Math.sqrt(value) : 0
    for (let j = 0; j < l; j++) transform[j * l + c] = w.get(j, c) * scale
  }
  const rows = m.length / l
  const out = new Float64Array(m.length)
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < l; j++) {
      const x = m[r * l + j] as number
      if (x === 0) continue
      for (let c = 0; c < l; c++)
        out[r * l + c] = (out[r * l + c] as number) + x * (transform[j * l + c] as number)
    }
  }
  return out
}

// Seeded standard normal numbers (mulberry32 + Box-Muller).
function gaussian(seed: number): () => number {
  let state = seed
  const uniform = () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
}
