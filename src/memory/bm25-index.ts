import { type FilterNode, isEmptyFilter, matchesFilter } from '../core/filter.js'
import { BM25_B, BM25_K1, TEXT_SCORE_DECIMALS } from '../core/hybrid.js'
import type { Payload } from '../core/json.js'
import { compareIds } from '../core/validate.js'
import { matchesQuery, parseTextQuery, tokenize } from './bm25-query.js'

interface Doc {
  readonly payload: Payload
  readonly tokens: readonly string[]
}

/**
 * A full-text index over one payload key, derived from the entries: it is
 * brought up to date from the vector index before each text search (only
 * entries whose payload object changed are re-tokenized), so it is exactly
 * as durable as the entries and needs nothing in the snapshot.
 */
export class Bm25Index {
  readonly #source: string
  readonly #docs = new Map<string, Doc>()
  readonly #postings = new Map<string, Set<string>>()
  #version = -1

  constructor(source: string) {
    this.#source = source
  }

  /** Brings the index up to date with the entries (a no-op when `version` has not moved). */
  sync(version: number, entries: () => Iterable<readonly [string, Payload]>): void {
    if (version === this.#version) return
    const seen = new Set<string>()
    for (const [id, payload] of entries()) {
      seen.add(id)
      const doc = this.#docs.get(id)
      if (doc?.payload === payload) continue
      if (doc !== undefined) this.#remove(id, doc)
      this.#add(id, payload)
    }
    for (const [id, doc] of this.#docs) if (!seen.has(id)) this.#remove(id, doc)
    this.#version = version
  }

  /**
   * The ids of the best `limit` entries matching the query text and the
   * filter, best first, equal scores in id order. Scores are BM25 with the
   * collection statistics of the matching entries (see docs/hybrid.md).
   */
  rank(text: string, filter: FilterNode, limit: number): string[] {
    const query = parseTextQuery(text)
    const candidates = new Set<string>()
    for (const term of query.terms)
      for (const id of this.#postings.get(term) ?? []) candidates.add(id)
    const filtered = !isEmptyFilter(filter)
    const matches: { id: string; tf: Map<string, number>; length: number }[] = []
    for (const id of candidates) {
      const doc = this.#docs.get(id) as Doc
      if (filtered && !matchesFilter(filter, doc.payload)) continue
      if (!matchesQuery(query, doc.tokens)) continue
      matches.push({ id, tf: termFrequencies(doc.tokens, query.terms), length: doc.tokens.length })
    }
    const scored = bm25(matches, query.terms)
    return scored
      .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
      .slice(0, limit)
      .map(({ id }) => id)
  }

  #add(id: string, payload: Payload): void {
    const value = payload[this.#source]
    const tokens = typeof value === 'string' ? tokenize(value) : []
    this.#docs.set(id, { payload, tokens })
    for (const token of new Set(tokens)) {
      let ids = this.#postings.get(token)
      if (ids === undefined) this.#postings.set(token, (ids = new Set()))
      ids.add(id)
    }
  }

  #remove(id: string, doc: Doc): void {
    this.#docs.delete(id)
    for (const token of new Set(doc.tokens)) {
      const ids = this.#postings.get(token)
      ids?.delete(id)
      if (ids?.size === 0) this.#postings.delete(token)
    }
  }
}

function termFrequencies(tokens: readonly string[], terms: readonly string[]): Map<string, number> {
  const wanted = new Set(terms)
  const tf = new Map<string, number>()
  for (const token of tokens) if (wanted.has(token)) tf.set(token, (tf.get(token) ?? 0) + 1)
  return tf
}

/**
 * BM25 over the matching entries: N, document frequencies and the mean
 * length are theirs. Terms are summed in the order Postgres stores a
 * tsvector's lexemes (by length, then bytes), as the SQL side sums them.
 */
function bm25(
  matches: readonly { id: string; tf: Map<string, number>; length: number }[],
  terms: readonly string[],
): { id: string; score: number }[] {
  const n = matches.length
  if (n === 0) return []
  const df = new Map<string, number>()
  let totalLength = 0
  for (const match of matches) {
    totalLength += match.length
    for (const term of match.tf.keys()) df.set(term, (df.get(term) ?? 0) + 1)
  }
  const meanLength = totalLength / n
  const order = [...terms].sort(lexemeOrder)
  return matches.map(({ id, tf, length }) => {
    let score = 0
    for (const term of order) {
      const f = tf.get(term)
      if (f === undefined) continue
      const d = df.get(term) as number
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5))
      score +=
        (idf * (f * (BM25_K1 + 1))) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * length) / meanLength))
    }
    return { id, score: roundScore(score) }
  })
}

/** A text score rounded to {@link TEXT_SCORE_DECIMALS} decimals. */
export function roundScore(score: number): number {
  const scale = 10 ** TEXT_SCORE_DECIMALS
  return Math.round(score * scale) / scale
}

// tsvector lexeme order: shorter first, then by UTF-8 bytes.
function lexemeOrder(a: string, b: string): number {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length - y.length || Buffer.compare(x, y)
}
