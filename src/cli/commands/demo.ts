import { HashingEmbedder, RecursiveTextSplitter, StoreScope, VectorStore } from '../../index.js'
import { type Command, integerOption, positionals, stringList, stringOption } from '../command.js'
import { askInteractively, answer } from '../demo/ask.js'
import { corpusFrom, defaultCorpus } from '../demo/corpus.js'
import { DEMO_BACKENDS, demoStoreUri } from '../demo/demo-store.js'
import { describeCounts, indexWithProgress } from '../indexing.js'
import { note } from '../output.js'
import { openStore } from '../stores/open-store.js'

const EXAMPLE_QUESTIONS = [
  'how do I persist the in-memory index to disk',
  'which filter operators are there',
  'what score does the L2 metric give',
]
// Every demo entry carries this scope, so re-indexing replaces exactly the demo's entries.
const DEMO_SCOPE = new StoreScope({ corpus: 'vecstore-demo' })
// Enough context per hit, still one topic.
const CHUNK_CHARS = 700

/** `vecstore demo`: index a real text corpus, then answer questions from it. */
export const demoCommand: Command = {
  name: 'demo',
  summary: "index this package's docs into the embedded store and ask them questions",
  help: `Usage: vecstore demo [--backend B | --store URI] [--query TEXT]... [--corpus PATH]... [--hybrid]

Indexes a text corpus (by default this package's README and docs/) with
VectorStore.index, which embeds only what changed since the last run, then
answers a few example questions with VectorStore.retrieve: ranked hits, scores
and sources. With --query it answers those instead; with neither, and a terminal
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
  --hybrid        rank by full text (BM25) and vectors together, fused by
                  reciprocal rank fusion (memory and Postgres stores; Chroma
                  refuses it)
  -h, --help      show this help`,
  options: {
    backend: { type: 'string' },
    store: { type: 'string' },
    query: { type: 'string', multiple: true },
    corpus: { type: 'string', multiple: true },
    'top-k': { type: 'string' },
    hybrid: { type: 'boolean' },
  },
  async run(args) {
    positionals(args, [])
    const uri =
      stringOption(args, 'store') ?? demoStoreUri(stringOption(args, 'backend') ?? 'pglite')
    const topK = integerOption(args, 'top-k', 3, 1, 50)
    const questions = stringList(args, 'query')
    const corpusPaths = stringList(args, 'corpus')
    const documents = corpusPaths.length > 0 ? await corpusFrom(corpusPaths) : await defaultCorpus()
    const hybrid = args.values['hybrid'] === true
    const embedder = new HashingEmbedder()
    const opened = await openStore(uri, {
      mode: 'write',
      metric: 'cosine',
      dim: embedder.dimensions,
      // The chunks' text is under `content`: the full text is made from it.
      ...(hybrid && { fullText: { source: 'content' } }),
    })
    try {
      const splitter = new RecursiveTextSplitter({
        chunkSize: CHUNK_CHARS,
        chunkOverlap: 0,
        format: 'markdown',
      })
      const store = new VectorStore(opened.backend, { embedder, splitter })
      // The corpus is all of the demo's scope: files no longer given are deleted.
      const { result, seconds } = await indexWithProgress(store, documents, {
        cleanup: 'scoped_full',
        scope: DEMO_SCOPE,
      })
      const chunks = result.numAdded + result.numUpdated + result.numSkipped
      note(
        `indexed ${chunks} chunks of ${documents.length} file${documents.length === 1 ? '' : 's'} into ${opened.label} ` +
          `(${opened.backend.metric}, ${embedder.dimensions} dims, ${embedder.model}) in ${seconds} s: ${describeCounts(result)}\n`,
      )
      const byId = new Map(documents.map((document) => [document.id, document]))
      const ask = (question: string) => answer(store, byId, DEMO_SCOPE, question, topK, hybrid)
      for (const question of questions.length > 0 ? questions : EXAMPLE_QUESTIONS)
        await ask(question)
      if (questions.length === 0 && process.stdin.isTTY) await askInteractively(ask)
      return 0
    } finally {
      await opened.close()
    }
  },
}
