import type { SqlRunner } from './connection.js'

/** A runner that can also load rows with a binary COPY (postgres.js and PGlite). */
export interface CopyRunner extends SqlRunner {
  /** Streams binary COPY data into a table; `table` is a quoted name, never user input. */
  copyIn(table: string, chunks: Iterable<Uint8Array>): Promise<void>
}

/** Whether a transaction runner can take a COPY. */
export function canCopy(runner: SqlRunner): runner is CopyRunner {
  return typeof (runner as Partial<CopyRunner>).copyIn === 'function'
}
