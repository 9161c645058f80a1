import { is } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { InvalidArgumentError } from '../core/errors.js'
import { validateIdentifier } from '../internal/identifiers.js'
import { wrapEngineError } from './engine-errors.js'
import { tableProblems } from './diagnose-table.js'
import { connectTarget, type MigrationTarget } from './migrations.js'
import { readExtensionVersion, readTableCatalog } from './schema-catalog.js'
import { compareVersions, tableLabel } from './schema-sync.js'
import { DEFAULT_TABLE_NAME, resolveTableSpec, type TableSpec } from './table-spec.js'
import { specOfTable } from './vector-table.js'

/** One thing `diagnose()` found wrong, with what to do about it. */
export interface SchemaProblem {
  /** What it concerns: `database`, or a table (`table "docs"`). */
  readonly where: string
  /** What is wrong, in one sentence. */
  readonly problem: string
  /** The statement to run, or the step to take. */
  readonly fix: string
  /** `error`: migrations, the backend or searches fail or misbehave; `warning`: works, not as well. */
  readonly severity: 'error' | 'warning'
}

/** What `diagnose()` found. */
export interface Diagnosis {
  /** The installed pgvector version, or undefined when the extension is missing. */
  readonly extensionVersion: string | undefined
  /** The tables checked (`table "docs"`). */
  readonly tables: readonly string[]
  /** Everything wrong, errors and warnings, in the order found; empty when all is well. */
  readonly problems: readonly SchemaProblem[]
}

/** What a table is expected to be: declared in a Drizzle schema, or only named. */
export interface Expectation {
  readonly spec: TableSpec
  /** From a schema: its dimension, indexes and model are what the database must have. */
  readonly declared: boolean
}

/**
 * Compares the live database with your Drizzle schema, for deploy pipelines:
 * the pgvector extension and its version, then for every vector table its
 * columns and dimension, its vector and payload indexes (method, operator
 * class, parameters, validity) and the metric, dimension and embedding model
 * recorded with it. Each problem comes with the statement or step that fixes
 * it. It reads only.
 *
 * `tables` are your schema module's exports (every `vectorTable()` among them
 * is checked, anything else is skipped) or table names, which are checked for
 * what the database itself records. Default: the table `vecstore_vectors`.
 *
 * @example
 * ```ts
 * import * as schema from './db/schema'
 * const { problems } = await diagnose(process.env.DATABASE_URL!, Object.values(schema))
 * for (const p of problems) console.log(`${p.where}: ${p.problem}; fix: ${p.fix}`)
 * ```
 */
export async function diagnose(
  target: MigrationTarget,
  tables: readonly unknown[] = [DEFAULT_TABLE_NAME],
  options: { readonly schema?: string } = {},
): Promise<Diagnosis> {
  const expectations = expectationsOf(tables, options.schema)
  const connection = await connectTarget(target)
  try {
    const version = await readExtensionVersion(connection.db)
    const problems = [...extensionProblems(version)]
    for (const expected of expectations) {
      const catalog = await readTableCatalog(connection.db, expected.spec)
      // Without the extension no vector table can exist: that one line says it all.
      if (version !== undefined || catalog !== undefined) {
        problems.push(...tableProblems(expected, catalog))
      }
    }
    const labels = expectations.map((expected) => tableLabel(expected.spec))
    return { extensionVersion: version, tables: labels, problems }
  } catch (error) {
    throw wrapEngineError('diagnose', error)
  } finally {
    await connection.close()
  }
}

function expectationsOf(tables: readonly unknown[], schema: string | undefined): Expectation[] {
  if (!Array.isArray(tables)) {
    throw new InvalidArgumentError('expected tables to be an array of Drizzle tables or names')
  }
  const checkedSchema = schema === undefined ? undefined : validateIdentifier('schema', schema)
  return tables.flatMap((table): Expectation[] => {
    if (typeof table === 'string') {
      return [{ spec: resolveTableSpec(table, checkedSchema, {}), declared: false }]
    }
    if (!is(table, PgTable)) return []
    try {
      return [{ spec: specOfTable(table, undefined), declared: true }]
    } catch {
      // Not a vector table (the app's own tables sit in the same schema file).
      return []
    }
  })
}

/** pgvector 0.8.0 brought iterative index scans, which complete filtered searches. */
const ITERATIVE_SCANS_VERSION = '0.8.0'

function extensionProblems(version: string | undefined): SchemaProblem[] {
  if (version === undefined) {
    return [
      {
        where: 'database',
        problem:
          'the pgvector extension is not installed, and drizzle-kit never creates it (its migrations fail with: type "vector" does not exist)',
        fix: 'CREATE EXTENSION IF NOT EXISTS vector; as your first migration: npx vecstore init-migrations',
        severity: 'error',
      },
    ]
  }
  if (compareVersions(version, ITERATIVE_SCANS_VERSION) >= 0) return []
  return [
    {
      where: 'database',
      problem: `pgvector ${version} has no iterative index scans: filtered searches that the index answers short are completed by an exact pass, which is slower`,
      fix: `install pgvector ${ITERATIVE_SCANS_VERSION} or later on the server, then ALTER EXTENSION vector UPDATE`,
      severity: 'warning',
    },
  ]
}
