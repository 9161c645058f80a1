import type { Vector } from './backend.js'
import { InvalidArgumentError } from './errors.js'
import { compareIds, MAX_RESULTS } from './validate.js'

/** What a hybrid search looks for: a query vector and the query's text. */
export interface HybridQuery {
  /** The query embedding (of the index's dimension). */
  readonly vector: Vector
  /** The query text, in `websearch_to_tsquery` syntax: words (all must occur), `"a phrase"`, `or`, `-word`. */
  readonly text: string
}

/** How the two rankings of a hybrid search are fused (reciprocal rank fusion). */
export interface HybridOptions {
  /** Weight of each ranking in the fused score. Default: `{ vector: 1, text: 1 }`. */
  readonly weights?: { readonly vector?: number; readonly text?: number }
  /** RRF's `k`: the fused score is Σ weight / (k + rank). Default: 60. */
  readonly k?: number
  /** How many of each side's best hits are fused. Default: `max(4 × topK, 40)`. */
  readonly candidates?: number
  /** Only hits whose fused score is at least this. Default: none. */
  readonly minScore?: number
  /**
   * `'all'`: the text is a `websearch_to_tsquery` query (every word must occur).
   * `'any'`: an entry matches when it holds any of the words or `"quoted phrases"`
   * (for questions in natural language; `or` and a leading `-` are then plain text).
   * Default: `'all'`.
   */
  readonly textMatch?: 'all' | 'any'
}

/** {@link HybridOptions} checked, with the defaults filled in, as an engine receives them. */
export interface HybridFusion {
  /** Weight of the vector ranking. */
  readonly vectorWeight: number
  /** Weight of the text ranking. */
  readonly textWeight: number
  /** RRF's `k`. */
  readonly k: number
  /** How many of each side's best hits are fused. */
  readonly candidates: number
}

/** Default RRF `k`. */
export const DEFAULT_RRF_K = 60

// The text ranking both backends compute (memory in process, pgvector in SQL), so they agree.
/** BM25's term-frequency saturation. */
export const BM25_K1 = 1.2
/** BM25's length normalisation. */
export const BM25_B = 0.75
/** Text scores are compared at this many decimals, so float rounding cannot reorder equal scores. */
export const TEXT_SCORE_DECIMALS = 9
/** Longest query text a hybrid search takes, in characters. */
export const MAX_QUERY_TEXT_LENGTH = 10_000

/** The default number of candidates per side for `topK`. */
export function defaultCandidates(topK: number): number {
  return Math.min(MAX_RESULTS, Math.max(topK * 4, 40))
}

/** Checks a hybrid query's text: a non-empty string, at most {@link MAX_QUERY_TEXT_LENGTH} characters, no NUL. */
export function validateQueryText(text: unknown): string {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new InvalidArgumentError('expected the query text to be a non-empty string')
  }
  if (text.length > MAX_QUERY_TEXT_LENGTH || text.includes('\0')) {
    throw new InvalidArgumentError(
      `expected the query text to have at most ${MAX_QUERY_TEXT_LENGTH} characters and no NUL`,
    )
  }
  return text
}

/**
 * The query text an engine receives: as given for `textMatch: 'all'`; for
 * `'any'`, its words and quoted phrases joined by `or` (leading dashes and
 * the word `or` dropped), which `websearch_to_tsquery` reads as alternatives.
 */
export function queryTextFor(text: string, textMatch: unknown): string {
  if (textMatch === undefined || textMatch === 'all') return text
  if (textMatch !== 'any') throw new InvalidArgumentError("expected textMatch to be 'all' or 'any'")
  const items = (text.match(/"[^"]*"?|\S+/g) ?? [])
    .map((item) => item.replace(/^-+/, ''))
    .filter((item) => item !== '' && item.toLowerCase() !== 'or')
  return items.length === 0 ? text : items.join(' or ')
}

/** Checks {@link HybridOptions} and fills in the defaults for `topK`. */
export function resolveHybridOptions(options: HybridOptions, topK: number): HybridFusion {
  const weights = options.weights ?? {}
  if (typeof weights !== 'object' || weights === null) {
    throw new InvalidArgumentError('expected weights to be { vector?: number, text?: number }')
  }
  const vectorWeight = weight('vector', weights.vector)
  const textWeight = weight('text', weights.text)
  if (vectorWeight === 0 && textWeight === 0) {
    throw new InvalidArgumentError('expected at least one of the weights to be above 0')
  }
  const k = options.k ?? DEFAULT_RRF_K
  if (typeof k !== 'number' || !Number.isFinite(k) || k < 0 || k > 1e6) {
    throw new InvalidArgumentError('expected k to be a number from 0 to 1000000')
  }
  const candidates = options.candidates ?? defaultCandidates(topK)
  if (
    typeof candidates !== 'number' ||
    !Number.isInteger(candidates) ||
    candidates < topK ||
    candidates > MAX_RESULTS
  ) {
    throw new InvalidArgumentError(
      `expected candidates to be a whole number from topK to ${MAX_RESULTS}`,
    )
  }
  return { vectorWeight, textWeight, k, candidates }
}

function weight(name: string, value: unknown): number {
  if (value === undefined) return 1
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1e6) {
    throw new InvalidArgumentError(`expected weights.${name} to be a number from 0 to 1000000`)
  }
  return value
}

/**
 * Reciprocal rank fusion of two rankings (ids best first, ranks from 1):
 * score = Σ weight / (k + rank), summed vector side first, best first, equal
 * scores in id order. The pgvector backend computes the same sum in SQL.
 */
export function fuseRankings(
  vectorIds: readonly string[],
  textIds: readonly string[],
  fusion: HybridFusion,
  topK: number,
): { id: string; score: number }[] {
  const scores = new Map<string, number>()
  vectorIds.forEach((id, i) => scores.set(id, fusion.vectorWeight / (fusion.k + i + 1)))
  textIds.forEach((id, i) => {
    scores.set(id, (scores.get(id) ?? 0) + fusion.textWeight / (fusion.k + i + 1))
  })
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
    .slice(0, topK)
}
