import { sql } from 'drizzle-orm'
import { rowsOf, type SqlRunner } from './connection.js'

/** A WAL position (an LSN such as `16/B374D848`) as a byte offset, so positions compare as numbers. */
export type WalPosition = bigint

/** Parses `pg_lsn` text (`hi/lo`, both hexadecimal); undefined for NULL. */
export function parseLsn(value: unknown): WalPosition | undefined {
  if (typeof value !== 'string') return undefined
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(value)
  if (match === null) return undefined
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`)
}

/** How WAL is cut into pages and segments on the primary, read once. */
export interface WalLayout {
  readonly blockSize: bigint
  readonly segmentSize: bigint
}

/** The primary's WAL page and segment sizes (8 kB and 16 MB unless the cluster was built otherwise). */
export async function walLayout(primary: SqlRunner): Promise<WalLayout> {
  const [row] = rowsOf(
    await primary.execute(
      sql`SELECT current_setting('wal_block_size') AS "block", (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size') AS "segment"`,
    ),
  )
  return {
    blockSize: BigInt(String(row?.['block'])),
    segmentSize: BigInt(String(row?.['segment'])),
  }
}

// Page header sizes (XLogPageHeaderData, XLogLongPageHeaderData): fixed by the WAL format.
const SHORT_HEADER = 24n
const LONG_HEADER = 40n

/**
 * The primary's WAL position after everything committed so far: a replica
 * that has replayed up to it sees those commits.
 *
 * `pg_current_wal_insert_lsn()`, not `pg_current_wal_lsn()`: with
 * `synchronous_commit = off` a commit returns before its record is written,
 * so the write position can lie before it. The insert position is past
 * every inserted record (see {@link recordEnd}).
 */
export async function committedPosition(
  primary: SqlRunner,
  layout: WalLayout,
): Promise<WalPosition> {
  const [row] = rowsOf(
    await primary.execute(sql`SELECT pg_current_wal_insert_lsn()::text AS "lsn"`),
  )
  const position = parseLsn(row?.['lsn'])
  if (position === undefined) throw new Error('the primary reported no WAL position')
  return recordEnd(position, layout)
}

/**
 * An insert position as the end of the last record before it. Just after a
 * page boundary the insert position points past the new page's header, where
 * no record ends; a replica that has replayed the record ending at the
 * boundary reports the boundary itself, so the header is taken off.
 */
export function recordEnd(position: WalPosition, layout: WalLayout): WalPosition {
  if (position % layout.segmentSize === LONG_HEADER) return position - LONG_HEADER
  if (position % layout.blockSize === SHORT_HEADER) return position - SHORT_HEADER
  return position
}

// A primary that went through crash recovery also reports the last position it replayed:
// only a server still in recovery is a replica.
const REPLAYED = sql.raw('CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END')

/** How far a replica has replayed; undefined when the server is not a replica (never was, or promoted). */
export async function replayPosition(replica: SqlRunner): Promise<WalPosition | undefined> {
  const [row] = rowsOf(await replica.execute(sql`SELECT ${REPLAYED} AS "lsn"`))
  return parseLsn(row?.['lsn'])
}

/** What a replica reports about its replay: position, and seconds behind (0 when caught up). */
export interface ReplayState {
  /** Undefined when the server is not a replica (never was, or has been promoted). */
  readonly position: WalPosition | undefined
  readonly lagSeconds: number | undefined
}

/** Asks a replica how far it has replayed and how far behind it is, for stats. */
export async function replayState(replica: SqlRunner): Promise<ReplayState> {
  // Seconds since the last replayed commit mean nothing when there is nothing left to replay.
  const [row] = rowsOf(
    await replica.execute(
      sql`SELECT ${REPLAYED} AS "lsn", CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END AS "lag"`,
    ),
  )
  const lag = row?.['lag']
  return {
    position: parseLsn(row?.['lsn']),
    lagSeconds: lag === null || lag === undefined ? undefined : Number(lag),
  }
}
