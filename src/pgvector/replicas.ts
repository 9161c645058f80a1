import type { Logger } from 'drizzle-orm'
import { BackendConnectionError } from '../core/errors.js'
import type { SqlDatabase } from './connection.js'
import { wrapEngineError } from './engine-errors.js'
import { onPglite } from './pglite-direct.js'
import { onPostgresJs } from './postgres-js.js'
import { Replica, type ReplicaStatus } from './replica.js'
import type { ResolvedReplicas } from './replica-config.js'
import { committedPosition, type WalLayout, walLayout, type WalPosition } from './wal-position.js'

/** What `stats()` reports about the replicas. */
export interface ReplicationStatus {
  readonly replicas: readonly ReplicaStatus[]
  readonly primaryReads: number
}

// SQLSTATE of a query a replica cancelled because replaying WAL conflicted with it.
const RECOVERY_CONFLICT = '40001'

/**
 * Routes reads to replicas in turn. Each replica must have replayed a
 * minimum WAL position before it answers: the primary's position once the
 * table was prepared (so the table exists there), raised after each write of
 * this backend with `readYourWrites`. A read waits a bounded time for the
 * replica it picked to get there, else it reads the primary; a read whose
 * replica fails (connection lost, or cancelled by a replay conflict) is
 * answered by the primary, so replica trouble never fails a read.
 */
export class ReadReplicas {
  readonly #replicas: readonly Replica[]
  readonly #options: ResolvedReplicas
  readonly #layout: WalLayout
  #required: WalPosition
  // A write's position could not be read: reads ask the primary for its current one first.
  #unknownSince = 0
  #knownSince = 0
  #next = 0
  #primaryReads = 0

  private constructor(
    replicas: readonly Replica[],
    options: ResolvedReplicas,
    layout: WalLayout,
    floor: WalPosition,
  ) {
    this.#replicas = replicas
    this.#options = options
    this.#layout = layout
    this.#required = floor
  }

  /** Opens the replicas' connections, once the table is ready on the primary. */
  static async open(
    options: ResolvedReplicas,
    primary: SqlDatabase,
    logger: Logger | undefined,
  ): Promise<ReadReplicas> {
    const layout = await walLayout(primary)
    const floor = await committedPosition(primary, layout)
    const connections = await options.connect()
    const replicas = connections.map(({ label, connection }) => {
      const direct = onPostgresJs(connection.db, logger) ?? onPglite(connection.db, logger)
      return new Replica(label, connection, direct ?? connection.db, options.retryMs)
    })
    return new ReadReplicas(replicas, options, layout, floor)
  }

  /** Runs a read on a replica that is up and caught up, else on the primary. */
  async read<T>(primary: SqlDatabase, body: (db: SqlDatabase) => Promise<T>): Promise<T> {
    const replica = await this.#choose(primary)
    if (replica !== undefined) {
      try {
        const result = await body(replica.db)
        replica.answered()
        return result
      } catch (error) {
        if (!this.#fallsBack(replica, error)) throw error
      }
    }
    this.#primaryReads++
    return body(primary)
  }

  /** After a write committed on the primary: later reads must see it (with `readYourWrites`). */
  async wrote(primary: SqlDatabase): Promise<void> {
    if (!this.#options.readYourWrites) return
    try {
      this.#raise(await committedPosition(primary, this.#layout))
    } catch {
      // The write did commit: until a position is known again, reads go to the primary.
      this.#unknownSince++
    }
  }

  /** Each replica's state and lag, and how many reads the primary answered. */
  async status(primary: SqlDatabase): Promise<ReplicationStatus> {
    const position = await committedPosition(primary, this.#layout)
    const replicas = await Promise.all(this.#replicas.map((replica) => replica.status(position)))
    return { replicas, primaryReads: this.#primaryReads }
  }

  /** Ends the pools opened for replica URLs. */
  async close(): Promise<void> {
    await Promise.all(this.#replicas.map((replica) => replica.close()))
  }

  // The next replica in turn that has replayed what reads need, else the next one up if it
  // gets there within the wait, else none (the primary).
  async #choose(primary: SqlDatabase): Promise<Replica | undefined> {
    const start = this.#next++ % this.#replicas.length
    const turn = [...this.#replicas.slice(start), ...this.#replicas.slice(0, start)]
    const up = turn.filter((replica) => replica.available)
    if (up.length === 0) return undefined
    const needed = await this.#needed(primary)
    if (needed === undefined) return undefined
    const ready = up.find((replica) => replica.hasReplayed(needed))
    if (ready !== undefined) return ready
    const chosen = up[0] as Replica
    return (await chosen.waitFor(needed, this.#options.waitMs)) ? chosen : undefined
  }

  // The position reads need; undefined when it cannot be known (read the primary).
  async #needed(primary: SqlDatabase): Promise<WalPosition | undefined> {
    const unknown = this.#unknownSince
    if (unknown !== this.#knownSince) {
      try {
        this.#raise(await committedPosition(primary, this.#layout))
      } catch {
        return undefined
      }
      // A write that lost its position meanwhile keeps reads on the primary until the next read.
      this.#knownSince = Math.max(this.#knownSince, unknown)
    }
    return this.#required
  }

  #raise(position: WalPosition): void {
    if (position > this.#required) this.#required = position
  }

  // Whether a failed replica read should be answered by the primary instead.
  #fallsBack(replica: Replica, error: unknown): boolean {
    const wrapped = wrapEngineError('read', error)
    if (wrapped instanceof BackendConnectionError) {
      replica.failed()
      return true
    }
    return (wrapped as { engineCode?: string }).engineCode === RECOVERY_CONFLICT
  }
}
