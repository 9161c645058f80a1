import { defineConfig } from 'drizzle-kit'

// vecstore's own schema and migrations (migration 0000, CREATE EXTENSION vector, is a custom one).
export default defineConfig({
  dialect: 'postgresql',
  schema: './drizzle/schema.ts',
  out: './migrations',
  dbCredentials: { url: process.env['DATABASE_URL'] ?? '' },
  // Library-specific bookkeeping: the app's drizzle.__drizzle_migrations is never touched.
  migrations: { table: '__vecstore_migrations', schema: 'vecstore' },
})
