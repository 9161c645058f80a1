import { type Command, integerOption, positionals } from '../command.js'
import { print } from '../output.js'
import { URI_FORMS } from '../store-uri.js'
import { openStore, type OpenStore } from '../stores/open-store.js'

/** `vecstore explain URI`: does a search use the vector index? */
export const explainCommand: Command = {
  name: 'explain',
  summary: 'show whether a sample search uses the vector index',
  help: `Usage: vecstore explain URI [--top-k N] [--json]

Plans a search with a stored entry's vector as the query and says whether it
uses the vector index (pgvector: the HNSW or IVFFlat index, with the query
plan). The in-memory backend always scans exactly; Chroma always searches its
HNSW index. Reads only.

Options:
  --top-k N     results the sample search asks for (1-10000, default 10)
  --json        print one JSON object
  -h, --help    show this help

${URI_FORMS}`,
  options: { 'top-k': { type: 'string' }, json: { type: 'boolean' } },
  async run(args) {
    const [uri] = positionals(args, ['URI'])
    const topK = integerOption(args, 'top-k', 10, 1, 10_000)
    const store = await openStore(uri as string, { mode: 'read' })
    try {
      const query = await sampleVector(store)
      if (query === undefined) {
        print(`${store.label} is empty and has no dimension yet: there is no search to plan`)
        return 0
      }
      const plan = await store.explain(query.vector, topK)
      const text = query.synthetic
        ? `the store is empty: planned with a unit vector as the query\n${plan.text}`
        : plan.text
      if (args.values['json'] === true) {
        print(JSON.stringify({ store: store.label, ...plan, text }))
      } else {
        print(`store              ${store.label}`)
        print(`uses vector index   ${plan.usesVectorIndex ? 'yes' : 'no'}`)
        print(text)
      }
      return 0
    } finally {
      await store.close()
    }
  },
}

// A real stored vector, so the planner sees a query like the ones the store gets; in an empty
// store of known dimension, a unit vector (the plan does not depend on the values).
async function sampleVector(
  store: OpenStore,
): Promise<{ vector: Float32Array; synthetic: boolean } | undefined> {
  const [first] = await store.backend.listWhere({}, 1)
  const vector = first && (await store.backend.getByIds([first.id]))[0]?.vector
  if (vector !== undefined) return { vector, synthetic: false }
  const dim = store.backend.dim
  if (dim === undefined) return undefined
  const unit = new Float32Array(dim)
  unit[0] = 1
  return { vector: unit, synthetic: true }
}
