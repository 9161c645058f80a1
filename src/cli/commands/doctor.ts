import { UsageError } from '../cli-errors.js'
import { type Command, positionals, stringOption } from '../command.js'
import { exportedValues, loadModule } from '../load-module.js'
import { note, print } from '../output.js'
import { parseStoreUri, redactUri } from '../store-uri.js'
import { StoreNotFoundError } from '../../index.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** `vecstore doctor URI`: the live database against the Drizzle schema, for deploy pipelines. */
export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check a database against your Drizzle schema (for deploy pipelines)',
  help: `Usage: vecstore doctor postgres://USER:PASS@HOST:PORT/DB [--schema PATH]
       vecstore doctor pglite:DIR [--schema PATH]

Checks the live database for what drizzle-kit does not: the pgvector extension
and its version; then, for every vectorTable() in the schema file, the table,
its column types and dimension, its vector index (method, operator class,
m / ef_construction / lists) and payload index, and the metric and embedding
model recorded with it. Prints one line per problem with the statement or
step that fixes it, and exits 1 when there is an error (warnings alone exit
0); prints "ok" and exits 0 when the database matches. Reads only.

Options:
  --schema PATH   your Drizzle schema file (TypeScript is loaded with tsx, as
                  drizzle-kit does). Default: the URI's table (?table=T&schema=S,
                  else vecstore_vectors), checked against what it records
  -h, --help      show this help`,
  options: { schema: { type: 'string' } },
  async run(args) {
    const [uri] = positionals(args, ['URI'])
    const location = parseStoreUri(uri as string)
    if (location.kind !== 'postgres' && location.kind !== 'pglite') {
      throw new UsageError('doctor needs a postgres:// URL or pglite:DIR')
    }
    if (location.kind === 'pglite' && !existsSync(join(location.dir, 'PG_VERSION'))) {
      throw new StoreNotFoundError(`no PGlite database in ${location.dir}`)
    }
    const schemaFile = stringOption(args, 'schema')
    const tables =
      schemaFile === undefined
        ? [location.table ?? 'vecstore_vectors']
        : exportedValues(await loadModule(schemaFile))
    // Loaded on use: drizzle-orm and the drivers are optional peers.
    const { diagnose } = await import('../../pgvector/index.js')
    note(`checking ${redactUri(uri as string)}`)
    const diagnosis = await diagnose(
      location.kind === 'postgres' ? location.dsn : { pglite: location.dir },
      tables,
      location.schema === undefined ? {} : { schema: location.schema },
    )
    if (diagnosis.tables.length === 0) {
      throw new UsageError(`${schemaFile} exports no vectorTable(): nothing to check`)
    }
    for (const { severity, where, problem, fix } of diagnosis.problems) {
      print(`${severity}: ${where}: ${problem}. Fix: ${fix}`)
    }
    const errors = diagnosis.problems.filter((p) => p.severity === 'error').length
    const version = diagnosis.extensionVersion ?? 'not installed'
    const checked = `${diagnosis.tables.join(', ')}; pgvector ${version}`
    print(
      errors === 0 ? `ok: ${checked}` : `${errors} problem${errors === 1 ? '' : 's'}: ${checked}`,
    )
    return errors === 0 ? 0 : 1
  },
}
