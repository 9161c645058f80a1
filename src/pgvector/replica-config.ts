import { InvalidArgumentError } from '../core/errors.js'
import { wholeNumber } from '../internal/options.js'
import { type AnyPgDatabase, type Connection, openDsn, useDatabase } from './connection.js'

/** Read replicas of the primary `dsn` or `db` (options of `PgvectorBackend`). */
export interface ReplicaOptions {
  /**
   * Streaming replicas of the primary, as URLs (the backend opens a pool for
   * each, of `maxConnections`, and `close()` ends it) or your Drizzle
   * databases (never closed). `search`, `listWhere`, `count` and `getByIds`
   * go to them in turn; writes, `explain`, `withTransaction` and schema
   * changes go to the primary. A replica whose connection fails is skipped
   * and checked again after `replicaRetryMs`; with none up, reads go to the
   * primary. Not with `pglite`. Default: none.
   */
  readonly replicas?: readonly (string | AnyPgDatabase)[]
  /**
   * A read that follows a write of this backend sees it: the read waits until
   * its replica has replayed the primary's WAL position taken after the
   * write, for at most `replicaWaitMs`, then reads the primary instead.
   * Default: false (a replica may answer with data a moment old).
   */
  readonly readYourWrites?: boolean
  /** The longest a read waits for a replica to catch up, in ms, before it reads the primary. Default: 100. */
  readonly replicaWaitMs?: number
  /** How long a replica whose connection failed is skipped before it is checked again, in ms. Default: 2000. */
  readonly replicaRetryMs?: number
}

/** A replica's connection and the name stats show for it. */
export interface ReplicaConnection {
  readonly label: string
  readonly connection: Connection
}

/** Replica options, checked. */
export interface ResolvedReplicas {
  /** Opens every replica's connection (URLs get a pool; nothing connects until used). */
  readonly connect: () => Promise<ReplicaConnection[]>
  readonly readYourWrites: boolean
  readonly waitMs: number
  readonly retryMs: number
}

/** How the backend reaches the primary, as far as replicas care. */
export interface PrimaryKind {
  readonly embedded: boolean
  readonly maxConnections: number
  readonly prepare: boolean
}

/** Checks the replica options; undefined when there are no replicas. */
export function resolveReplicas(
  options: ReplicaOptions,
  primary: PrimaryKind,
): ResolvedReplicas | undefined {
  const { replicas } = options
  if (options.readYourWrites !== undefined && typeof options.readYourWrites !== 'boolean') {
    throw new InvalidArgumentError('expected readYourWrites to be a boolean')
  }
  const waitMs = whole('replicaWaitMs', options.replicaWaitMs, 100, 0, 60_000)
  const retryMs = whole('replicaRetryMs', options.replicaRetryMs, 2000, 1, 3_600_000)
  if (replicas === undefined) return undefined
  if (!Array.isArray(replicas)) {
    throw new InvalidArgumentError(
      'expected replicas to be an array of postgres:// URLs or Drizzle databases',
    )
  }
  if (replicas.length === 0) return undefined
  if (primary.embedded) {
    throw new InvalidArgumentError('replicas need a dsn or db primary, not pglite')
  }
  const openers = replicas.map((replica, i) => opener(replica, i, primary))
  return Object.freeze({
    connect: () => openAll(openers),
    readYourWrites: options.readYourWrites ?? false,
    waitMs,
    retryMs,
  })
}

type Opener = () => Promise<ReplicaConnection>

function opener(replica: unknown, i: number, primary: PrimaryKind): Opener {
  if (typeof replica === 'string') {
    if (!/^postgres(ql)?:\/\//.test(replica)) {
      throw new InvalidArgumentError(
        `expected replicas[${i}] to be a postgres:// URL or a Drizzle database`,
      )
    }
    const label = `replicas[${i}] (${where(replica)})`
    return async () => ({
      label,
      connection: await openDsn(replica, primary.maxConnections, { prepare: primary.prepare }),
    })
  }
  const connection = useDatabase(replica as AnyPgDatabase)
  return async () => ({ label: `replicas[${i}]`, connection })
}

// Opens them in order; a failure closes those already open.
async function openAll(openers: readonly Opener[]): Promise<ReplicaConnection[]> {
  const opened: ReplicaConnection[] = []
  try {
    for (const open of openers) opened.push(await open())
    return opened
  } catch (error) {
    await Promise.allSettled(opened.map(({ connection }) => connection.close()))
    throw error
  }
}

// host:port/database of a URL: enough to tell replicas apart, never the user or password.
function where(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.host}${parsed.pathname}`
  } catch {
    return 'unparsed URL'
  }
}

function whole(name: string, value: unknown, fallback: number, min: number, max: number): number {
  return value === undefined ? fallback : wholeNumber(name, value, [min, max])
}
