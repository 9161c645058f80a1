import { type Embedder, HashingEmbedder } from '../index.js'
import { UsageError } from './cli-errors.js'
import { loadModule } from './load-module.js'

/** How `--embedder` is written, for help texts. */
export const EMBEDDER_FORMS = `Embedders (--embedder):
  hashing:DIM      HashingEmbedder with DIM dimensions (offline, lexical: for tests and demos)
  PATH             a module (TypeScript through tsx) whose default export, or export
                   "embedder", is an Embedder { model, dimensions, embed(texts) }, or a
                   function (async or not) that returns one`

/** The embedder an `--embedder` value names. */
export async function loadEmbedder(spec: string): Promise<Embedder> {
  const hashing = /^hashing:(\d+)$/.exec(spec)
  if (hashing) return new HashingEmbedder(Number(hashing[1]))
  const module = await loadModule(spec)
  let found: unknown = module['embedder'] ?? module['default']
  // A CommonJS module's exports object, then a factory.
  if (isObject(found) && !isEmbedder(found) && 'embedder' in found) found = found['embedder']
  if (typeof found === 'function') found = await (found as () => unknown)()
  if (!isEmbedder(found)) {
    throw new UsageError(
      `${spec} exports no Embedder: export default (or as "embedder") an object with model, dimensions and embed(texts), or a function returning one`,
    )
  }
  return found
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isEmbedder(value: unknown): value is Embedder {
  return (
    isObject(value) &&
    typeof value['model'] === 'string' &&
    typeof value['dimensions'] === 'number' &&
    typeof value['embed'] === 'function'
  )
}
