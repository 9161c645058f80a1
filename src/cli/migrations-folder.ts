import { randomUUID } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { MigrationsFolderError } from './cli-errors.js'

/** One entry of drizzle-kit's `meta/_journal.json`. */
interface JournalEntry {
  readonly idx: number
  readonly version: string
  readonly when: number
  readonly tag: string
  readonly breakpoints: boolean
}

interface Journal {
  readonly version: string
  readonly dialect: string
  readonly entries: readonly JournalEntry[]
}

/** What `init-migrations` did: wrote the folder's first migration, put it first, or found it there. */
export type InitOutcome =
  | { readonly kind: 'created'; readonly file: string }
  | { readonly kind: 'present'; readonly file: string }
  | { readonly kind: 'inserted'; readonly file: string; readonly renumbered: number }

const NAME = 'enable_pgvector'
const SQL = `-- drizzle-kit never creates extensions, and every later migration needs the vector type.
CREATE EXTENSION IF NOT EXISTS vector;
`
const CREATES_EXTENSION = /create\s+extension\s+(if\s+not\s+exists\s+)?"?vector"?/i
const ROOT_SNAPSHOT_ID = '00000000-0000-0000-0000-000000000000'
const INDEX_TAG = /^(\d{4,})_(.+)$/

/**
 * Makes `CREATE EXTENSION IF NOT EXISTS vector` the first migration of a
 * drizzle-kit folder, in drizzle-kit's own layout (SQL file, journal entry,
 * snapshot). In an empty folder it is migration 0000; before existing ones it
 * is inserted as 0000 and the others move up one number, its journal time
 * just before theirs (databases that applied them skip it, new ones run it
 * first). Running it again changes nothing.
 */
export function initMigrations(out: string): InitOutcome {
  const journalPath = join(out, 'meta', '_journal.json')
  if (!existsSync(journalPath)) return createFolder(out)
  const journal = readJournal(journalPath)
  const first = journal.entries[0]
  if (first === undefined) return insertFirst(out, journal, journalPath)
  const sqlOf = (entry: JournalEntry) => readMigration(out, entry)
  if (CREATES_EXTENSION.test(sqlOf(first))) return { kind: 'present', file: `${first.tag}.sql` }
  for (const entry of journal.entries) {
    const statement = CREATES_EXTENSION.exec(sqlOf(entry))
    if (statement !== null && statement[1] === undefined) {
      throw new MigrationsFolderError(
        `${entry.tag}.sql creates the extension without IF NOT EXISTS, so it would fail after the new first migration: change it to CREATE EXTENSION IF NOT EXISTS vector; then run init-migrations again`,
      )
    }
  }
  return insertFirst(out, journal, journalPath)
}

function createFolder(out: string): InitOutcome {
  const sqlFiles = existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.sql')) : []
  if (sqlFiles.length > 0) {
    throw new MigrationsFolderError(
      `${out} holds SQL files but no meta/_journal.json: it is not a drizzle-kit migrations folder (pass its path with --out)`,
    )
  }
  mkdirSync(join(out, 'meta'), { recursive: true })
  const journal: Journal = { version: '7', dialect: 'postgresql', entries: [] }
  const outcome = insertFirst(out, journal, join(out, 'meta', '_journal.json'))
  return { kind: 'created', file: outcome.file }
}

function readJournal(path: string): Journal {
  let journal: Partial<Journal>
  try {
    journal = JSON.parse(readFileSync(path, 'utf8')) as Partial<Journal>
  } catch {
    throw new MigrationsFolderError(`${path} is not JSON: restore it from version control`)
  }
  if (journal.dialect !== 'postgresql' || !Array.isArray(journal.entries)) {
    throw new MigrationsFolderError(
      `${path} is not a drizzle-kit journal for PostgreSQL (dialect ${JSON.stringify(journal.dialect)})`,
    )
  }
  return journal as Journal
}

function readMigration(out: string, entry: JournalEntry): string {
  const path = join(out, `${entry.tag}.sql`)
  if (!existsSync(path)) {
    throw new MigrationsFolderError(
      `the journal lists ${entry.tag} but ${path} is missing: restore it first`,
    )
  }
  return readFileSync(path, 'utf8')
}

// Existing migrations move up one number (last first, so no name is taken twice); the new one
// is 0000, its snapshot the parent of the old first one, its time just before it.
function insertFirst(out: string, journal: Journal, journalPath: string): InitOutcome {
  const moves = journal.entries.map((entry) => plannedMove(out, entry))
  for (const move of [...moves].reverse()) {
    renameSync(join(out, `${move.from}.sql`), join(out, `${move.to}.sql`))
    renameSync(move.snapshotFrom, move.snapshotTo)
  }
  const id = randomUUID()
  const firstMoved = moves[0]
  if (firstMoved !== undefined) relinkSnapshot(firstMoved.snapshotTo, id)
  const tag = `0000_${NAME}`
  writeFileSync(join(out, `${tag}.sql`), SQL)
  writeFileSync(join(out, 'meta', '0000_snapshot.json'), emptySnapshot(id, journal.version))
  const first = journal.entries[0]
  const entries = [
    {
      idx: 0,
      version: journal.version,
      when: (first?.when ?? Date.now()) - 1,
      tag,
      breakpoints: true,
    },
    ...journal.entries.map((entry, i) => ({
      ...entry,
      idx: i + 1,
      tag: moves[i]?.to ?? entry.tag,
    })),
  ]
  writeAtomically(journalPath, JSON.stringify({ ...journal, entries }, null, 2))
  return first === undefined
    ? { kind: 'created', file: `${tag}.sql` }
    : { kind: 'inserted', file: `${tag}.sql`, renumbered: moves.length }
}

function plannedMove(out: string, entry: JournalEntry) {
  const match = INDEX_TAG.exec(entry.tag)
  const snapshotFrom = join(out, 'meta', `${match?.[1]}_snapshot.json`)
  if (match === null || Number(match[1]) !== entry.idx || !existsSync(snapshotFrom)) {
    throw new MigrationsFolderError(
      `cannot renumber ${entry.tag} (not drizzle-kit's numbered layout with its snapshot): instead, put this line first in ${entry.tag}.sql: CREATE EXTENSION IF NOT EXISTS vector;--> statement-breakpoint`,
    )
  }
  const next = String(entry.idx + 1).padStart(4, '0')
  return {
    from: entry.tag,
    to: `${next}_${match[2]}`,
    snapshotFrom,
    snapshotTo: join(out, 'meta', `${next}_snapshot.json`),
  }
}

// drizzle-kit chains snapshots by prevId and refuses two with the same parent.
function relinkSnapshot(path: string, parent: string): void {
  const snapshot = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  writeFileSync(path, JSON.stringify({ ...snapshot, prevId: parent }, null, 2))
}

function emptySnapshot(id: string, version: string): string {
  const snapshot = {
    id,
    prevId: ROOT_SNAPSHOT_ID,
    version,
    dialect: 'postgresql',
    tables: {},
    enums: {},
    schemas: {},
    views: {},
    sequences: {},
    roles: {},
    policies: {},
    _meta: { columns: {}, schemas: {}, tables: {} },
  }
  return JSON.stringify(snapshot, null, 2)
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text)
  renameSync(`${path}.tmp`, path)
}
