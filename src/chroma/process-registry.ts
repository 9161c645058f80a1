/**
 * Per-process state of the Chroma backend, kept on `globalThis` so that every
 * copy of this module in one process (two installed versions, test runners
 * that re-import modules per file) shares it: one local server per data
 * directory per process, one exit hook.
 */
export interface ProcessRegistry<Entry> {
  /** Local servers by data directory (or the ephemeral key). */
  readonly servers: Map<string, Entry>
  /** Backends using each collection on an ephemeral server, by `pid/name`. */
  readonly ephemeralUsers: Map<string, number>
  exitHookInstalled: boolean
}

const KEY = Symbol.for('vecstore.chroma.process-registry.v1')

/** The registry of this process. */
export function processRegistry<Entry>(): ProcessRegistry<Entry> {
  const global = globalThis as { [KEY]?: ProcessRegistry<Entry> }
  global[KEY] ??= { servers: new Map(), ephemeralUsers: new Map(), exitHookInstalled: false }
  return global[KEY]
}
