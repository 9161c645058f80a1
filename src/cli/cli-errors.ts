import { VectorStoreError } from '../index.js'

/** The command line is wrong: unknown command or option, missing or malformed argument (exit code 2). */
export class UsageError extends VectorStoreError {
  constructor(message: string) {
    super('CLI_USAGE', message)
  }
}

/** A store URI cannot be understood: unknown scheme, missing collection or table, unknown option. */
export class InvalidUriError extends VectorStoreError {
  constructor(uri: string, reason: string) {
    super('INVALID_URI', `invalid store URI ${uri}: ${reason}`)
  }
}

/** `copy` finished but the target's count does not add up: entries were lost or written concurrently. */
export class CopyCheckError extends VectorStoreError {
  constructor(message: string) {
    super('COPY_CHECK', message)
  }
}

// Where each error happened, outermost first: kept beside the error, never written into its message.
const contexts = new WeakMap<object, string[]>()

/** Records where an error happened (`source <uri>`); the error itself is left unchanged. */
export function inContext(error: unknown, context: string): unknown {
  if (typeof error !== 'object' || error === null) return error
  const known = contexts.get(error) ?? []
  if (!known.includes(context)) contexts.set(error, [context, ...known])
  return error
}

/** The error's message, after the contexts recorded for it. */
export function describeError(error: unknown): string {
  const message = (error as Error | undefined)?.message ?? String(error)
  const where = typeof error === 'object' && error !== null ? (contexts.get(error) ?? []) : []
  return [...where, message].join(': ')
}

/** `init-migrations` cannot put the extension first in this folder; the message says what to do instead. */
export class MigrationsFolderError extends VectorStoreError {
  constructor(message: string) {
    super('MIGRATIONS_FOLDER', message)
  }
}
