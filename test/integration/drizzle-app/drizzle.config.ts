import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'drizzle-kit'

// The test app's drizzle-kit config: its own schema, its own (default) migrations table.
// The test points `out` at a temporary folder and DATABASE_URL at a fresh database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './test/integration/drizzle-app/schema.ts',
  out: process.env['DRIZZLE_APP_OUT'] ?? join(tmpdir(), 'vecstore-drizzle-app'),
  dbCredentials: { url: process.env['DATABASE_URL'] ?? '' },
})
