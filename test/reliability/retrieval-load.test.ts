import { afterAll, describe, expect, it } from 'vitest'
import type { SourceDocument, StoreResult } from '../../src/index.js'
import {
  InMemoryVectorBackend,
  RecursiveTextSplitter,
  StoreScope,
  VectorStore,
} from '../../src/index.js'
import {
  backendsFor,
  CountingEmbedder,
  document,
  type OpenBackend,
  paragraph,
  SPLIT,
} from '../integration/retrieval/helpers.js'
import { testEngines } from '../setup/postgres-engines.js'
import { makeTempDir } from '../setup/temp-dir.js'

// The long tier: a 10k-chunk corpus, and 1,000 retrieve calls racing replacements.
const { engines } = await testEngines('retrieval_load')
const temp = makeTempDir()
afterAll(async () => {
  for (const engine of engines) await engine.close()
  temp.cleanup()
})

const DOCUMENTS = 1000
const PARAGRAPHS = 10
const corpus = (): SourceDocument[] =>
  Array.from({ length: DOCUMENTS }, (_, i) => document(`doc-${i}.md`, PARAGRAPHS, i + 1, { n: i }))

// Paragraph p of document d, edited: one changed chunk.
function edit(documents: SourceDocument[], d: number, paragraphs: readonly number[]): void {
  const doc = documents[d] as SourceDocument
  let content = doc.content
  for (const p of paragraphs) {
    const old = paragraph((d + 1) * 1000 + p)
    content = content.replace(old, `${old} Edited.`)
  }
  documents[d] = { ...doc, content }
}

const BACKENDS: [string, OpenBackend][] = [
  ...backendsFor(engines, 'retrieval_load'),
  [
    'memory with a snapshot',
    async (dim) =>
      new InMemoryVectorBackend({ dim, snapshotPath: `${temp.dir}/load-${Date.now()}.json` }),
  ],
]

describe.each(BACKENDS)('a 10k-chunk corpus on %s', (_, open) => {
  it('an unchanged re-run makes 0 embedding calls; 1% of documents changed makes one call per changed chunk', async () => {
    const embedder = new CountingEmbedder(64)
    const splitter = new RecursiveTextSplitter(SPLIT)
    const store = new VectorStore(await open(embedder.dimensions), { embedder, splitter })
    try {
      const first = await store.index(corpus(), { batchSize: 100 })
      expect(first.numAdded).toBe(DOCUMENTS * PARAGRAPHS)
      expect(embedder.texts).toBe(DOCUMENTS * PARAGRAPHS)
      embedder.reset()
      const again = await store.index(corpus(), { batchSize: 37 })
      expect(again).toMatchObject({
        numSkipped: 10_000,
        numAdded: 0,
        numUpdated: 0,
        numEmbedded: 0,
      })
      expect(embedder.calls).toBe(0)
      const changed = corpus()
      // 10 documents (1%): five with one edited paragraph, five with two: 15 changed chunks.
      for (let i = 0; i < 10; i++) edit(changed, i * 97, i < 5 ? [3] : [0, 9])
      const update = await store.index(changed)
      expect(update).toMatchObject({
        numAdded: 15,
        numDeleted: 15,
        numSkipped: 9985,
        numEmbedded: 15,
      })
      expect(embedder.texts).toBe(15)
      expect(await store.count()).toBe(10_000)
    } finally {
      await store.close()
    }
  }, 900_000)
})

const SOURCES = 20
const READERS = 4
const CALLS_PER_READER = 250
// Replacement rounds at least (a third of the sources each).
const MIN_ROUNDS = 6

// Version v of source s: 4 chunks when v is odd, 6 when even, each naming source, version and position.
function version(s: number, v: number): SourceDocument {
  const chunks = v % 2 === 1 ? 4 : 6
  const content = Array.from(
    { length: chunks },
    (_, i) => `Source s${s} version v${v} chunk c${i} of n${chunks}. ${paragraph(s * 100 + i, 8)}`,
  ).join('\n\n')
  return { id: `s${s}`, content }
}

interface Anomalies {
  mixed: number
  duplicated: number
  missing: number
}

// Every source must come back whole, in one version: all n chunks of it, each once.
function check(results: readonly StoreResult[], anomalies: Anomalies): void {
  const bySource = new Map<string, { v: string; c: string; n: string }[]>()
  for (const { entry } of results) {
    const match = /version (v\d+) chunk (c\d+) of (n\d+)/.exec(entry.content)
    if (!match) throw new Error(`unexpected chunk ${entry.content.slice(0, 40)}`)
    const [, v, c, n] = match as unknown as [string, string, string, string]
    bySource.set(String(entry.documentId), [
      ...(bySource.get(String(entry.documentId)) ?? []),
      { v, c, n },
    ])
  }
  anomalies.missing += SOURCES - bySource.size
  for (const chunks of bySource.values()) {
    if (new Set(chunks.map((chunk) => chunk.v)).size > 1) anomalies.mixed++
    else if (new Set(chunks.map((chunk) => chunk.c)).size !== chunks.length) anomalies.duplicated++
    else if (chunks.length !== Number((chunks[0] as { n: string }).n.slice(1))) anomalies.missing++
  }
}

describe.each(BACKENDS)('1,000 retrieve calls during replacements on %s', (name, open) => {
  it(
    name === 'Chroma'
      ? 'see 0 mixed or duplicated sources'
      : 'see 0 mixed, duplicated or missing sources',
    async () => {
      const embedder = new CountingEmbedder(64)
      const scope = new StoreScope({ corpus: 'race' })
      const store = new VectorStore(await open(embedder.dimensions), {
        embedder,
        // Each paragraph (about 100 characters) is one chunk: two never fit in one.
        splitter: new RecursiveTextSplitter({ chunkSize: 150, chunkOverlap: 0 }),
      })
      try {
        const versions = Array.from({ length: SOURCES }, () => 1)
        await store.index(
          versions.map((v, s) => version(s, v)),
          { scope },
        )
        let reading = true
        let replacements = 0
        let rounds = 0
        const writer = async () => {
          for (let round = 0; reading; round = ++rounds) {
            // A third of the sources get their next version, five per atomic change.
            const picked = versions.map((_, s) => s).filter((s) => (s + round) % 3 === 0)
            for (const s of picked) versions[s] = (versions[s] as number) + 1
            await store.index(
              picked.map((s) => version(s, versions[s] as number)),
              { scope, batchSize: 5 },
            )
            replacements += picked.length
            // Writes, too, come from I/O (see the readers).
            await new Promise((resolve) => setImmediate(resolve))
          }
        }
        const anomalies: Anomalies = { mixed: 0, duplicated: 0, missing: 0 }
        let calls = 0
        // Each reader makes its calls, and goes on until the writer has replaced every source a few times.
        const reader = async () => {
          for (let call = 0; call < CALLS_PER_READER || rounds < MIN_ROUNDS; call++) {
            check(await store.retrieve('source version chunk', { topK: 500, scope }), anomalies)
            calls++
            // Requests reach an app from I/O: a reader that never leaves the microtask queue would
            // starve the snapshot journal's file writes (the in-memory backend answers without I/O).
            await new Promise((resolve) => setImmediate(resolve))
          }
        }
        let failed: unknown
        // A failed writer ends the readers too (they would wait for its rounds forever).
        const writing = writer().catch((error: unknown) => {
          failed = error
          rounds = MIN_ROUNDS
        })
        await Promise.all(Array.from({ length: READERS }, reader))
        reading = false
        await writing
        if (failed !== undefined) throw failed
        expect(calls).toBeGreaterThanOrEqual(READERS * CALLS_PER_READER)
        expect(replacements).toBeGreaterThanOrEqual(MIN_ROUNDS * 6)
        if (name === 'Chroma') {
          // Chroma's reads are not isolated from a batch being written: a search overlapping a
          // replacement can miss chunks of it (docs/retrieval.md), never mix or repeat versions.
          console.log(
            `Chroma: ${anomalies.missing} of ${calls * SOURCES} sources came back incomplete`,
          )
          expect({ ...anomalies, missing: 0 }).toEqual({ mixed: 0, duplicated: 0, missing: 0 })
        } else {
          expect(anomalies).toEqual({ mixed: 0, duplicated: 0, missing: 0 })
        }
      } finally {
        await store.close()
      }
    },
    900_000,
  )
})
