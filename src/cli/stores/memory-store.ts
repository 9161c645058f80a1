import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { InMemoryVectorBackend } from '../../memory/in-memory-vector-backend.js'
import { StoreNotFoundError } from '../cli-errors.js'
import type { OpenStore, OpenStoreOptions } from './open-store.js'

/** An in-memory index persisted to a snapshot file (plus its journal). */
export async function openMemoryStore(
  path: string,
  label: string,
  options: OpenStoreOptions,
): Promise<OpenStore> {
  if (options.mode === 'read' && !existsSync(path)) {
    throw new StoreNotFoundError(label, `no snapshot file at ${path}`)
  }
  if (options.mode === 'write') mkdirSync(dirname(path), { recursive: true })
  const backend = new InMemoryVectorBackend({
    snapshotPath: path,
    ...(options.metric !== undefined && { metric: options.metric }),
    ...(options.dim !== undefined && { dim: options.dim }),
  })
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
      return {
        count: await backend.count({}),
        dimensions: backend.dim,
        metric: backend.metric,
        index: 'exact scan',
        indexParameters: [],
        sizes: [
          ['snapshot file', fileSize(path)],
          ['journal file', fileSize(`${path}.journal`)],
        ],
      }
    },
    async explain() {
      const count = await backend.count({})
      return {
        usesVectorIndex: false,
        text: `InMemoryVectorBackend has no vector index: every search scans all ${count} vectors exactly.`,
      }
    },
    close: () => backend.close(),
  }
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0
}
