// Indexes this repository's own documentation into an InMemoryVectorBackend
// persisted to .vecstore/demo.json, then answers a few questions.
// `npm run demo` or `npm run demo -- "your question"`
import { mkdirSync, readFileSync } from 'node:fs'
import { StoreScope, VectorStore, InMemoryVectorBackend } from '../src/index.js'
import { HashingEmbedder } from './hashing-embedder.js'

const SOURCES = ['README.md', 'bench/README.md']
const root = new URL('../', import.meta.url)
const embedder = new HashingEmbedder()
const scope = new StoreScope({ corpus: 'docs' })

/** Splits markdown into paragraph-sized chunks, each remembering its section heading. */
function chunk(source: string): { text: string; section: string }[] {
  const chunks: { text: string; section: string }[] = []
  let section = source
  for (const block of readFileSync(new URL(source, root), 'utf8').split(/\n\s*\n/)) {
    const heading = /^#+\s+(.*)/.exec(block.trim())
    if (heading) section = heading[1] as string
    if (block.trim().length > 40) chunks.push({ text: block.trim(), section })
  }
  return chunks
}

mkdirSync(new URL('.vecstore/', root), { recursive: true })
const backend = new InMemoryVectorBackend({
  snapshotPath: new URL('.vecstore/demo.json', root).pathname,
})
const store = new VectorStore(backend)
try {
  await store.clear(scope)
  for (const source of SOURCES) {
    const chunks = chunk(source)
    // The section heading is part of what a chunk is about.
    const vectors = await embedder.embed(chunks.map((c) => `${c.section}\n${c.text}`))
    await store.upsert(
      chunks.map((c, i) => ({
        id: `${source}#${i}`,
        content: c.text,
        vector: vectors[i] as number[],
        documentId: source,
        chunkIndex: i,
        embeddingModel: embedder.model,
        metadata: { section: c.section },
        scope,
      })),
    )
    console.log(`indexed ${source}: ${chunks.length} chunks`)
  }
  console.log(
    `${await store.count({ scope })} chunks in .vecstore/demo.json (metric ${backend.metric}, ${backend.dim} dims)\n`,
  )

  const asked = process.argv.slice(2).join(' ')
  const questions = asked
    ? [asked]
    : [
        'how do I persist the in-memory index to disk',
        'which filter operators are there',
        'what score does the L2 metric give',
      ]
  for (const question of questions) {
    const [vector] = await embedder.embed([question])
    console.log(`? ${question}`)
    for (const { entry, score, rank } of await store.search({
      vector: vector as number[],
      topK: 3,
      scope,
    })) {
      const preview = entry.content.replace(/\s+/g, ' ').slice(0, 110)
      console.log(
        `  ${rank}. ${score.toFixed(3)}  [${entry.documentId} > ${entry.metadata['section']}]  ${preview}`,
      )
    }
    console.log()
  }
} finally {
  await backend.close()
}
