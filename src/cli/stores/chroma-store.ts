import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { ChromaCollectionLike } from '../../chroma/chroma-api.js'
import { ChromaBackend } from '../../chroma/chroma-backend.js'
import { type Connection, openConnection, planConnection } from '../../chroma/chroma-connection.js'
import { wrapChromaError } from '../../chroma/chroma-errors.js'
import { StoreNotFoundError } from '../cli-errors.js'
import type { StoreLocation } from '../store-uri.js'
import type { OpenStore, OpenStoreOptions } from './open-store.js'

type ChromaLocation = Extract<StoreLocation, { kind: 'chroma-local' | 'chroma-http' }>

// The client calls made here beyond what ChromaBackend needs (chromadb 3.x has both).
interface ClientWithGet {
  getCollection(args: { name: string; embeddingFunction: unknown }): Promise<ChromaCollectionLike>
}

// Vectors are always given, never computed from text: this keeps the client from loading a default model.
const NO_TEXT_EMBEDDING = {
  generate: () =>
    Promise.reject(new Error('vecstore passes embeddings; it never embeds text here')),
}

/** A Chroma collection, on a local server over a directory or on a server over HTTP. */
export async function openChromaStore(
  location: ChromaLocation,
  label: string,
  options: OpenStoreOptions,
): Promise<OpenStore> {
  if (location.kind === 'chroma-local' && options.mode === 'read' && !existsSync(location.path)) {
    throw new StoreNotFoundError(label, `no Chroma data directory at ${location.path}`)
  }
  const connection = await openConnection(planConnection(connectionOptions(location)))
  try {
    return await storeOn(connection, location, label, options)
  } catch (error) {
    await connection.release().catch(() => {})
    throw error
  }
}

function connectionOptions(location: ChromaLocation) {
  if (location.kind === 'chroma-local') return { path: location.path }
  const { host, port, ssl, tenant, database } = location
  return {
    host,
    port,
    ssl,
    ...(tenant !== undefined && { tenant }),
    ...(database !== undefined && { database }),
  }
}

async function storeOn(
  connection: Connection,
  location: ChromaLocation,
  label: string,
  options: OpenStoreOptions,
): Promise<OpenStore> {
  const name = location.collection
  if (options.mode === 'read') await existingCollection(connection, name, label)
  const backend = await ChromaBackend.create(name, {
    client: connection.client,
    ...(options.metric !== undefined && { metric: options.metric }),
    ...(options.dim !== undefined && { dim: options.dim }),
  })
  const collection = await existingCollection(connection, name, label)
  return {
    label,
    backend,
    get metric() {
      return backend.metric
    },
    get dim() {
      return backend.dim
    },
    async stats() {
      const hnsw = hnswOf(collection.configuration)
      return {
        count: await backend.count({}),
        dimensions: backend.dim,
        metric: backend.metric,
        index: 'hnsw',
        indexParameters: Object.entries(hnsw)
          .filter(([key]) => key !== 'space')
          .map(([key, value]) => [key, String(value)] as const),
        sizes:
          location.kind === 'chroma-local'
            ? [['data directory (all collections)', directorySize(location.path)]]
            : [],
      }
    },
    async explain() {
      const params = Object.entries(hnswOf(collection.configuration))
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(', ')
      return {
        usesVectorIndex: true,
        text: `Chroma answers every search from the collection's HNSW index (approximate; ${params || 'server defaults'}).`,
      }
    },
    close: async () => {
      await backend.close()
      await connection.release()
    },
  }
}

async function existingCollection(connection: Connection, name: string, label: string) {
  try {
    const client = connection.client as unknown as ClientWithGet
    return await client.getCollection({ name, embeddingFunction: NO_TEXT_EMBEDDING })
  } catch (error) {
    if ((error as Error | undefined)?.name === 'ChromaNotFoundError') {
      throw new StoreNotFoundError(label, `no collection '${name}'`)
    }
    throw wrapChromaError('open collection', error, connection.server)
  }
}

function hnswOf(configuration: unknown): Record<string, unknown> {
  const hnsw = (configuration as { hnsw?: unknown } | undefined)?.hnsw
  return typeof hnsw === 'object' && hnsw !== null ? (hnsw as Record<string, unknown>) : {}
}

function directorySize(path: string): number {
  let total = 0
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name)
    total += entry.isDirectory() ? directorySize(full) : entry.isFile() ? statSync(full).size : 0
  }
  return total
}
