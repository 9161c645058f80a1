// The library side of `vecstore demo`: embed texts with an Embedder, store them, search them.
// `npx tsx examples/search-docs.ts`. Swap HashingEmbedder (lexical, offline) for your model's Embedder.
import {
  type Embedder,
  HashingEmbedder,
  InMemoryVectorBackend,
  StoreScope,
  VectorStore,
} from '../src/index.js'

const embedder: Embedder = new HashingEmbedder()
const store = new VectorStore(new InMemoryVectorBackend())
const scope = new StoreScope({ tenant: 'acme' })

const handbook = [
  'Expenses are reimbursed within 30 days of the receipt being filed.',
  'Laptops are replaced every three years; ask the IT desk.',
  'Holiday requests go to your manager at least two weeks ahead.',
]
const vectors = await embedder.embed(handbook)
await store.upsert(
  handbook.map((content, i) => ({
    id: `handbook#${i}`,
    content,
    vector: vectors[i] as number[],
    documentId: 'handbook',
    chunkIndex: i,
    embeddingModel: embedder.model,
    scope,
  })),
)

const [query] = await embedder.embed(['when are expenses reimbursed'])
for (const { rank, score, entry } of await store.search({
  vector: query as number[],
  topK: 2,
  scope,
})) {
  console.log(rank, score.toFixed(3), entry.content)
}
