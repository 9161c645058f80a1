import { vectorTable } from '../src/pgvector/vector-table.js'

/**
 * vecstore's default table, exactly as `PgvectorBackend.initialize()` creates it
 * when no `table` and no `dim` are given: an untyped `vector` column (the first
 * write fixes the dimension; it cannot carry a vector index) and a GIN index on
 * the payload. For production, declare your own table with a fixed dimension
 * (`vectorTable('docs', { dimensions: 1536 })`) in your schema instead.
 */
export const vecstoreVectors = vectorTable('vecstore_vectors')
