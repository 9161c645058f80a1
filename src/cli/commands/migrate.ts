import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AnyPgDatabase } from '../../pgvector/connection.js'
import { UsageError } from '../cli-errors.js'
import { type Command, positionals } from '../command.js'
import { note, print } from '../output.js'
import { parseStoreUri, redactUri } from '../store-uri.js'

/** `vecstore migrate URI`: applies the migrations shipped in the package. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: "apply vecstore's Postgres migrations (for deploy pipelines)",
  help: `Usage: vecstore migrate postgres://USER:PASS@HOST:PORT/DB
       vecstore migrate pglite:DIR

Applies the migrations shipped in this package (the vector extension, then
the default table vecstore_vectors), recording them in
vecstore.__vecstore_migrations. Concurrent runs are serialized; applied
migrations are skipped. Prints each migration and whether it was applied;
exits non-zero with the database's reason when one fails (for example when
the vector extension is not installed on the server or the role may not
create it).

Options:
  -h, --help    show this help`,
  options: {},
  async run(args) {
    const [uri] = positionals(args, ['DSN'])
    const location = parseStoreUri(uri as string)
    if (location.kind !== 'postgres' && location.kind !== 'pglite') {
      throw new UsageError('migrate needs a postgres:// URL or pglite:DIR')
    }
    if (location.table !== undefined || location.schema !== undefined) {
      throw new UsageError(
        "migrate creates vecstore's default table: drop the table and schema parameters",
      )
    }
    // Loaded on use: drizzle-orm and the drivers are optional peers.
    const { migrate, migrationsFolder, migrationsSchema, migrationsTable } =
      await import('../../pgvector/migrations.js')
    const { connectPg } = await import('../stores/pgvector-store.js')
    const { rawSqlOf } = await import('../stores/raw-sql.js')
    const label = redactUri(uri as string)
    const connection = await connectPg(location, label, 'write')
    try {
      const run = rawSqlOf(connection.db, 'read applied migrations')
      const applied = async (): Promise<Set<number>> => {
        const table = `"${migrationsSchema}"."${migrationsTable}"`
        const [exists] = await run('SELECT to_regclass($1) IS NOT NULL AS "exists"', [table])
        if (exists?.['exists'] !== true) return new Set()
        return new Set(
          (await run(`SELECT created_at FROM ${table}`)).map((row) => Number(row['created_at'])),
        )
      }
      note(`migrating ${label}`)
      const before = await applied()
      await migrate(connection.db as unknown as AnyPgDatabase)
      const after = await applied()
      let count = 0
      for (const { tag, when } of journalOf(migrationsFolder)) {
        const status = before.has(when)
          ? 'already applied'
          : after.has(when)
            ? 'applied'
            : 'not applied'
        if (status === 'applied') count++
        print(`  ${tag.padEnd(28)} ${status}`)
      }
      print(count === 0 ? 'up to date' : `applied ${count} migration${count === 1 ? '' : 's'}`)
      return 0
    } finally {
      await connection.close()
    }
  },
}

function journalOf(folder: string): { tag: string; when: number }[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[]
  }
  return journal.entries
}
