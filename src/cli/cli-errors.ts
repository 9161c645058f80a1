import { VectorStoreError } from '../core/errors.js'

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

/** The store a command reads does not exist (no snapshot file, directory, table or collection). */
export class StoreNotFoundError extends VectorStoreError {
  constructor(uri: string, what: string) {
    super('STORE_NOT_FOUND', `${uri}: ${what}`)
  }
}

/** `copy` finished but the target's count does not add up: entries were lost or written concurrently. */
export class CopyCheckError extends VectorStoreError {
  constructor(message: string) {
    super('COPY_CHECK', message)
  }
}

/** Prefixes an error's message with where it happened (`source <uri>`), keeping its class and code. */
export function inContext(error: unknown, context: string): unknown {
  if (error instanceof Error && !error.message.startsWith(context)) {
    error.message = `${context}: ${error.message}`
  }
  return error
}
