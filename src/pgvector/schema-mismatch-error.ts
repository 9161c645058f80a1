import { VectorStoreError } from '../core/errors.js'

/**
 * The database schema does not match what the backend needs: the pgvector
 * extension, the table or a column is missing or has another type. Raised
 * by `initialize()` (with `manageSchema: false` it never creates anything).
 */
export class SchemaMismatchError extends VectorStoreError {
  constructor(message: string) {
    super('SCHEMA_MISMATCH', message)
  }
}
