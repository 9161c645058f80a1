import { inContext, UsageError } from '../cli-errors.js'
import { ONE_PGLITE_DIRECTORY, redactUri, sharePgliteDirectory } from '../store-uri.js'
import {
  buildDeferredIndex,
  type OpenStore,
  type OpenStoreOptions,
  openStore,
} from './open-store.js'

/** Refuses a source and target that are the same store, or two PGlite stores in one directory. */
export function checkDistinct(from: string, to: string): void {
  if (redactUri(from) === redactUri(to)) throw new UsageError('--from and --to name the same store')
  if (sharePgliteDirectory(from, to)) throw new UsageError(ONE_PGLITE_DIRECTORY)
}

/**
 * Opens `from` to read and `to` to write (with the options `target` gives for
 * that source; a Postgres table created now defers its vector index), runs
 * `body`, builds the deferred index, and closes both. Errors opening either
 * say which one it was.
 */
export async function withStorePair<T>(
  from: string,
  to: string,
  target: (source: OpenStore) => Omit<OpenStoreOptions, 'mode' | 'deferIndex'>,
  body: (source: OpenStore, target: OpenStore) => Promise<T>,
): Promise<T> {
  const source = await openStore(from, { mode: 'read' }).catch((error: unknown) => {
    throw inContext(error, 'source')
  })
  try {
    const opened = await openStore(to, {
      ...target(source),
      mode: 'write',
      deferIndex: true,
    }).catch((error: unknown) => {
      throw inContext(error, 'target')
    })
    try {
      const result = await body(source, opened)
      await buildDeferredIndex(opened)
      return result
    } finally {
      await opened.close()
    }
  } finally {
    await source.close()
  }
}
