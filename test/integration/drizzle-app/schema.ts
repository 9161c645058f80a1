import { integer, pgTable, text } from 'drizzle-orm/pg-core'
// In an app: import { vectorTable } from 'vecstore/pgvector'
import { vectorTable } from '../../../src/pgvector/index.js'

/** What the app stores with each chunk: the payload column is typed with it. */
export interface DocPayload {
  title: string
  lang: 'en' | 'fr'
  page: number
}

/** The app's own table, beside the vector table, in the same schema and migrations. */
export const authors = pgTable('authors', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  books: integer('books').notNull().default(0),
})

/** The vector table: an ordinary Drizzle table declared with vectorTable(). */
export const docChunks = vectorTable<DocPayload>('doc_chunks', {
  dimensions: 3,
  metric: 'cosine',
})
