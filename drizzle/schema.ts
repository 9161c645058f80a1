import { recordTable } from '../src/pgvector/record-table.js'
import { vectorTable } from '../src/pgvector/vector-table.js'

/**
 * vecstore's default table, exactly as `PgvectorBackend.initialize()` creates it
 * when no `table` and no `dim` are given: an untyped `vector` column (the first
 * write fixes the dimension; it cannot carry a vector index) and a GIN index on
 * the payload. For production, declare your own table with a fixed dimension
 * (`vectorTable('docs', { dimensions: 1536 })`) in your schema instead.
 */
export const vecstoreVectors = vectorTable('vecstore_vectors')

/**
 * The records vecstore keeps beside `vecstore_vectors` (what the retrieval
 * runtime knows about each source document), as `PgvectorBackend` creates
 * them on first use: `recordTable()` with the default name `<table>_records`.
 */
export const vecstoreRecords = recordTable('vecstore_vectors_records')
