import type { Connection, SqlDatabase } from './connection.js'
import { replayPosition, replayState, type WalPosition } from './wal-position.js'

/** Checks a replica's replay position this often while reads wait for it. */
const POLL_MS = 2

/** How one read replica is doing, as `PgvectorBackend.stats()` reports it. */
export interface ReplicaStatus {
  /** `replicas[i]`, with host, port and database for a URL (never its credentials). */
  readonly replica: string
  /**
   * `'up'`: it takes reads. `'down'`: a connection failed (or the server is no
   * longer a replica); reads skip it until a check after `replicaRetryMs` succeeds.
   */
  readonly state: 'up' | 'down'
  /** WAL bytes it has still to replay to reach the primary's current position (when up). */
  readonly lagBytes?: number
  /** Seconds since the last commit it replayed, or 0 when it has nothing left to replay (when up). */
  readonly lagSeconds?: number
  /** Reads this backend has answered from it since it opened. */
  readonly reads: number
}

/** A read waiting until the replica has replayed a position. */
interface Waiter {
  readonly position: WalPosition
  readonly settle: (replayed: boolean) => void
}

/**
 * One read replica: its connection, whether it is up, the highest position
 * it has reported replaying, and the reads waiting for it. One poll loop per
 * replica serves every waiting read.
 */
export class Replica {
  readonly label: string
  /** The replica's database, run directly (statements prepared as on the primary). */
  readonly db: SqlDatabase
  readonly #connection: Connection
  readonly #retryMs: number
  #down = false
  #retryAt = 0
  #replayed: WalPosition = 0n
  #reads = 0
  readonly #waiters = new Set<Waiter>()
  #polling: Promise<void> | undefined
  #probing: Promise<void> | undefined

  constructor(label: string, connection: Connection, db: SqlDatabase, retryMs: number) {
    this.label = label
    this.#connection = connection
    this.db = db
    this.#retryMs = retryMs
  }

  /** Whether reads may go to it. A replica down for `retryMs` is checked again in the background. */
  get available(): boolean {
    if (this.#down && Date.now() >= this.#retryAt) this.#probe()
    return !this.#down
  }

  /** Whether it is known to have replayed this position (no round trip). */
  hasReplayed(position: WalPosition): boolean {
    return this.#replayed >= position
  }

  /** Counts a read it answered. */
  answered(): void {
    this.#reads++
  }

  /** Resolves true once it has replayed `position`, false after `ms` or when it goes down. */
  waitFor(position: WalPosition, ms: number): Promise<boolean> {
    if (this.hasReplayed(position)) return Promise.resolve(true)
    if (this.#down || ms === 0) return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer = setTimeout(() => waiter.settle(false), ms)
      const waiter: Waiter = {
        position,
        settle: (replayed) => {
          clearTimeout(timer)
          this.#waiters.delete(waiter)
          resolve(replayed)
        },
      }
      this.#waiters.add(waiter)
      this.#polling ??= this.#poll().finally(() => {
        this.#polling = undefined
      })
    })
  }

  /**
   * A connection to it failed: reads skip it until a check after `retryMs`
   * succeeds. What it had replayed is forgotten: after a crash it comes back
   * consistent but possibly behind where it was, and its check says where.
   */
  failed(): void {
    this.#down = true
    this.#retryAt = Date.now() + this.#retryMs
    this.#replayed = 0n
    for (const waiter of this.#waiters) waiter.settle(false)
  }

  /** Its state and lag behind `primary` (the primary's current position). */
  async status(primary: WalPosition): Promise<ReplicaStatus> {
    const down = { replica: this.label, state: 'down', reads: this.#reads } as const
    if (!this.available) return down
    try {
      const { position, lagSeconds } = await replayState(this.db)
      if (!this.#saw(position)) return down
      const lagBytes = primary > (position as bigint) ? Number(primary - (position as bigint)) : 0
      return {
        replica: this.label,
        state: 'up',
        lagBytes,
        ...(lagSeconds !== undefined && { lagSeconds }),
        reads: this.#reads,
      }
    } catch {
      this.failed()
      return down
    }
  }

  /** Ends the pool the backend opened for it (never an injected database). */
  async close(): Promise<void> {
    this.failed()
    await Promise.allSettled([this.#polling, this.#probing])
    await this.#connection.close()
  }

  // Asks for the replay position while reads wait, and lets through those it has reached.
  async #poll(): Promise<void> {
    while (this.#waiters.size > 0 && !this.#down) {
      try {
        if (!this.#saw(await replayPosition(this.db))) break
      } catch {
        this.failed()
        break
      }
      for (const waiter of this.#waiters) if (this.hasReplayed(waiter.position)) waiter.settle(true)
      if (this.#waiters.size > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  // Checks a replica that was down; it takes reads again once it answers as a replica.
  #probe(): void {
    if (this.#probing !== undefined) return
    this.#probing = replayPosition(this.db)
      .then(
        (position) => {
          if (position === undefined) return this.failed()
          this.#down = false
          this.#saw(position)
        },
        () => this.failed(),
      )
      .finally(() => {
        this.#probing = undefined
      })
  }

  // Records a reported position; a server that is no longer a replica (promoted) is taken out.
  // An answer that arrives after a failure was noticed is stale: the probe decides.
  #saw(position: WalPosition | undefined): boolean {
    if (this.#down) return false
    if (position === undefined) {
      this.failed()
      return false
    }
    if (position > this.#replayed) this.#replayed = position
    return true
  }
}
