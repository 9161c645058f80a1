/**
 * Tokens and queries for the in-memory full-text index, shaped after
 * Postgres's `'simple'` configuration and `websearch_to_tsquery` so both
 * backends match and rank the same documents on ordinary words.
 *
 * Tokens: runs of letters and digits, lowercased. Postgres's parser differs on
 * some shapes (it keeps `foo-bar` as well as its parts, `1.2.3`, `a.b.org`,
 * `/usr/bin`, e-mail addresses and URLs as single tokens): see docs/hybrid.md.
 */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
}

/** One query atom: a word or a quoted phrase (several tokens in a row), possibly negated. */
export interface QueryAtom {
  readonly tokens: readonly string[]
  readonly negated: boolean
}

/** A parsed query: it matches when every atom of one of its conjunctions does. */
export interface TextQuery {
  readonly conjunctions: readonly (readonly QueryAtom[])[]
  /** Every token the query names (negated ones too, as Postgres's query lexemes do). */
  readonly terms: readonly string[]
}

/**
 * Parses query text like `websearch_to_tsquery`: words must all occur,
 * `"quoted words"` occur in a row, `or` between two items splits the query
 * into alternatives (`a b or c` is `(a & b) | c`), a leading `-` negates an
 * item. A word of several tokens is a phrase.
 */
export function parseTextQuery(text: string): TextQuery {
  const conjunctions: QueryAtom[][] = [[]]
  const items = text.match(/-?"[^"]*"?|\S+/g) ?? []
  let negateNext = false
  items.forEach((item, i) => {
    const current = conjunctions[conjunctions.length - 1] as QueryAtom[]
    if (item.toLowerCase() === 'or' && current.length > 0 && i < items.length - 1) {
      conjunctions.push([])
      return
    }
    if (item === '-') {
      negateNext = true
      return
    }
    const dashes = /^-*/.exec(item)?.[0].length ?? 0
    const negated = (dashes % 2 === 1) !== negateNext
    negateNext = false
    const tokens = tokenize(item)
    if (tokens.length > 0) current.push({ tokens, negated })
  })
  const kept = conjunctions.filter((atoms) => atoms.length > 0)
  const terms = [...new Set(kept.flat().flatMap((atom) => atom.tokens))]
  return { conjunctions: kept, terms }
}

/** Whether a document's tokens satisfy the query. */
export function matchesQuery(query: TextQuery, tokens: readonly string[]): boolean {
  return query.conjunctions.some((atoms) => atoms.every((atom) => atomMatches(atom, tokens)))
}

function atomMatches(atom: QueryAtom, tokens: readonly string[]): boolean {
  return containsRun(tokens, atom.tokens) !== atom.negated
}

function containsRun(tokens: readonly string[], run: readonly string[]): boolean {
  const first = run[0] as string
  for (let i = tokens.indexOf(first); i !== -1; i = tokens.indexOf(first, i + 1)) {
    if (run.every((token, j) => tokens[i + j] === token)) return true
  }
  return false
}
