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
    const { migrate } = await import('../../pgvector/index.js')
    const label = redactUri(uri as string)
    note(`migrating ${label}`)
    const results = await migrate(
      location.kind === 'postgres' ? location.dsn : { pglite: location.dir },
    )
    for (const { tag, applied } of results) {
      print(`  ${tag.padEnd(28)} ${applied ? 'applied' : 'already applied'}`)
    }
    const count = results.filter((result) => result.applied).length
    print(count === 0 ? 'up to date' : `applied ${count} migration${count === 1 ? '' : 's'}`)
    return 0
  },
}
