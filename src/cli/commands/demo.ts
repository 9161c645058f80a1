import { HashingEmbedder } from '../../index.js'
import { StoreScope } from '../../index.js'
import { type EntryInput, VectorStore } from '../../index.js'
import { type Command, integerOption, positionals, stringList, stringOption } from '../command.js'
import { askInteractively, answer } from '../demo/ask.js'
import { type Chunk, chunkFile, corpusFrom, defaultCorpus } from '../demo/corpus.js'
import { DEMO_BACKENDS, demoStoreUri } from '../demo/demo-store.js'
import { note } from '../output.js'
import { ProgressBar } from '../progress.js'
import { openStore } from '../stores/open-store.js'

const EXAMPLE_QUESTIONS = [
  'how do I persist the in-memory index to disk',
  'which filter operators are there',
  'what score does the L2 metric give',
]
// Every demo entry carries this scope, so re-indexing replaces exactly the demo's entries.
const DEMO_SCOPE = new StoreScope({ corpus: 'vecstore-demo' })
const EMBED_BATCH = 32

/** `vecstore demo`: index a real text corpus, then answer questions from it. */
export const demoCommand: Command = {
  name: 'demo',
  summary: "index this package's docs into the embedded store and ask them questions",
  help: `Usage: vecstore demo [--backend B | --store URI] [--query TEXT]... [--corpus PATH]...

Chunks a text corpus (by default this package's README and docs/), embeds it and stores
it, then answers a few example questions with ranked hits, scores and
sources. With --query it answers those instead; with neither, and a terminal
on stdin, it then asks for questions of your own.

The embedder is HashingEmbedder: deterministic and offline, but lexical, not
semantic (texts match when they share words, not meaning). Apps plug in their
own embedding model through the Embedder interface.

Options:
  --backend B     ${DEMO_BACKENDS.join(' | ')} (default pglite):
                    pglite    embedded Postgres + pgvector in .vecstore/demo
                    memory    snapshot file .vecstore/demo.json
                    chroma    local Chroma server over .vecstore/chroma
                    postgres  DATABASE_URL, table vecstore_demo
  --store URI     any store URI instead (see vecstore copy --help)
  --query TEXT    a question to answer (repeatable)
  --corpus PATH   a file or directory of .md/.txt files to index instead (repeatable)
  --top-k N       hits per question (1-50, default 3)
  -h, --help      show this help`,
  options: {
    backend: { type: 'string' },
    store: { type: 'string' },
    query: { type: 'string', multiple: true },
    corpus: { type: 'string', multiple: true },
    'top-k': { type: 'string' },
  },
  async run(args) {
    positionals(args, [])
    const uri =
      stringOption(args, 'store') ?? demoStoreUri(stringOption(args, 'backend') ?? 'pglite')
    const topK = integerOption(args, 'top-k', 3, 1, 50)
    const questions = stringList(args, 'query')
    const corpusPaths = stringList(args, 'corpus')
    const files = corpusPaths.length > 0 ? corpusFrom(corpusPaths) : defaultCorpus()
    const chunks = files.flatMap(({ path, source }) => chunkFile(path, source))
    const embedder = new HashingEmbedder()
    const opened = await openStore(uri, {
      mode: 'write',
      metric: 'cosine',
      dim: embedder.dimensions,
    })
    try {
      const store = new VectorStore(opened.backend)
      const started = Date.now()
      await index(store, embedder, chunks)
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      note(
        `indexed ${chunks.length} chunks of ${files.length} file${files.length === 1 ? '' : 's'} into ${opened.label} ` +
          `(${opened.backend.metric}, ${embedder.dimensions} dims, ${embedder.model}) in ${seconds} s\n`,
      )
      const ask = (question: string) => answer(store, embedder, DEMO_SCOPE, question, topK)
      for (const question of questions.length > 0 ? questions : EXAMPLE_QUESTIONS)
        await ask(question)
      if (questions.length === 0 && process.stdin.isTTY) await askInteractively(ask)
      return 0
    } finally {
      await opened.close()
    }
  },
}

/** Replaces the demo's entries with the corpus' chunks, embedding a batch at a time. */
async function index(store: VectorStore, embedder: HashingEmbedder, chunks: readonly Chunk[]) {
  await store.clear(DEMO_SCOPE)
  const bar = new ProgressBar('indexing', chunks.length)
  const position = new Map<string, number>()
  for (let start = 0; start < chunks.length; start += EMBED_BATCH) {
    const batch = chunks.slice(start, start + EMBED_BATCH)
    // The heading is part of what a chunk is about.
    const vectors = await embedder.embed(batch.map((chunk) => `${chunk.section}\n${chunk.text}`))
    const entries: EntryInput[] = batch.map((chunk, i) => {
      const chunkIndex = position.get(chunk.source) ?? 0
      position.set(chunk.source, chunkIndex + 1)
      return {
        id: `${chunk.source}#${chunkIndex}`,
        content: chunk.text,
        vector: vectors[i] as number[],
        documentId: chunk.source,
        chunkIndex,
        embeddingModel: embedder.model,
        metadata: { section: chunk.section },
        scope: DEMO_SCOPE,
      }
    })
    await store.upsert(entries)
    bar.advance(batch.length)
  }
  bar.finish()
}
