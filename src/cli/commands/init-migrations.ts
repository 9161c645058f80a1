import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../cli-errors.js'
import { type Command, positionals, stringOption } from '../command.js'
import { loadModule } from '../load-module.js'
import { initMigrations } from '../migrations-folder.js'
import { print } from '../output.js'

const CONFIG_FILES = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((ext) => `drizzle.config.${ext}`)

/** `vecstore init-migrations`: the vector extension as the first drizzle-kit migration. */
export const initMigrationsCommand: Command = {
  name: 'init-migrations',
  summary: 'make CREATE EXTENSION vector the first migration of your drizzle-kit folder',
  help: `Usage: vecstore init-migrations [--out DIR] [--config PATH]

drizzle-kit never creates the pgvector extension, so the migrations it
generates for a vectorTable() fail on a new database (type "vector" does not
exist). This writes CREATE EXTENSION IF NOT EXISTS vector as migration 0000
of your drizzle-kit folder, in drizzle-kit's own format (SQL file, journal
entry, snapshot). Existing migrations move up one number; databases that
already applied them skip the new one. Running it again changes nothing.
Run it once, before or after your first drizzle-kit generate.

Options:
  --out DIR       the migrations folder (default: the "out" of drizzle.config.*
                  in this directory, else ./drizzle)
  --config PATH   the drizzle-kit config to read "out" from (default: ./drizzle.config.*)
  -h, --help      show this help`,
  options: { out: { type: 'string' }, config: { type: 'string' } },
  async run(args) {
    positionals(args, [])
    const out = stringOption(args, 'out') ?? (await configuredOut(stringOption(args, 'config')))
    const outcome = initMigrations(out)
    const file = join(out, outcome.file)
    const written = `wrote ${file}: CREATE EXTENSION IF NOT EXISTS vector, migration 0000`
    if (outcome.kind === 'present') {
      print(`${file} already creates the vector extension first: nothing to do`)
    } else if (outcome.kind === 'created') {
      print(written)
    } else {
      const n = outcome.renumbered
      print(`${written}; ${n} existing migration${n === 1 ? '' : 's'} moved up one number`)
    }
    return 0
  },
}

async function configuredOut(configPath: string | undefined): Promise<string> {
  const path = configPath ?? CONFIG_FILES.find((file) => existsSync(file))
  if (path === undefined) return 'drizzle'
  const module = await loadModule(path)
  const config = (module['default'] ?? module) as { out?: unknown; dialect?: unknown }
  const nested = (config as { default?: { out?: unknown; dialect?: unknown } }).default
  const { out, dialect } = nested ?? config
  if (dialect !== undefined && dialect !== 'postgresql') {
    throw new UsageError(`${path} is for ${String(dialect)}: pgvector needs dialect 'postgresql'`)
  }
  return typeof out === 'string' ? out : 'drizzle'
}
