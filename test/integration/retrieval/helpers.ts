import { ChromaBackend } from '../../../src/chroma/index.js'
import type { VectorBackend } from '../../../src/core/backend.js'
import { type Embedder, HashingEmbedder, InMemoryVectorBackend } from '../../../src/index.js'
import { PgvectorBackend } from '../../../src/pgvector/index.js'
import type { SourceDocument } from '../../../src/index.js'
import { collectionNames } from '../../setup/chroma.js'
import type { TestEngine } from '../../setup/postgres-engines.js'

/** A real embedder (HashingEmbedder) that counts what it is asked to embed. */
export class CountingEmbedder implements Embedder {
  readonly #inner: HashingEmbedder
  readonly model: string
  readonly dimensions: number
  /** Calls of `embed`. */
  calls = 0
  /** Texts embedded, over all calls. */
  texts = 0

  constructor(dimensions = 64, model?: string) {
    this.#inner = new HashingEmbedder(dimensions)
    this.dimensions = dimensions
    this.model = model ?? this.#inner.model
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    this.calls++
    this.texts += texts.length
    return this.#inner.embed(texts)
  }

  reset(): void {
    this.calls = 0
    this.texts = 0
  }
}

const WORDS = (
  'apple river stone cloud lamp forest engine garden silver window market thunder paper ' +
  'candle harbor violet copper meadow tiger glass saddle orbit feather lantern bridge'
).split(' ')

/** A deterministic paragraph: `words` words from a seeded walk over a small vocabulary. */
export function paragraph(seed: number, words = 24): string {
  const out: string[] = []
  let state = (seed * 2654435761) >>> 0
  for (let i = 0; i < words; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    out.push(WORDS[state % WORDS.length] as string)
  }
  return `Part ${seed}: ${out.join(' ')}.`
}

/** A source document of `paragraphs` paragraphs (each one chunk with {@link SPLIT}). */
export function document(
  id: string,
  paragraphs: number,
  seed: number,
  metadata = {},
): SourceDocument {
  const text = Array.from({ length: paragraphs }, (_, i) => paragraph(seed * 1000 + i)).join('\n\n')
  return { id, content: text, metadata }
}

/** Splitter settings under which each paragraph of {@link document} is one chunk. */
export const SPLIT = { chunkSize: 220, chunkOverlap: 0 } as const

/** A fresh, empty backend with the records capability. */
export type OpenBackend = (dim: number) => Promise<VectorBackend & { close(): Promise<void> }>

/** The backends the runtime is tested on: memory, PGlite and native Postgres, Chroma. */
export function backendsFor(
  engines: readonly TestEngine[],
  prefix: string,
): [string, OpenBackend][] {
  const names = collectionNames(prefix)
  let tables = 0
  return [
    ['memory', async (dim) => new InMemoryVectorBackend({ dim })],
    ...engines.map((engine): [string, OpenBackend] => [
      engine.name,
      (dim) =>
        PgvectorBackend.create({
          db: engine.db,
          schema: engine.schema,
          table: `${prefix}_${tables++}`,
          dim,
        }),
    ]),
    ['Chroma', (dim) => ChromaBackend.create(names.next(), { dim })],
  ]
}
