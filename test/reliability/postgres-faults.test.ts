import postgres from 'postgres'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BackendConnectionError } from '../../src/core/errors.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { checkAfterFault, listAll, startWriteLoad } from './helpers/fault-load.js'
import {
  type OwnPostgres,
  ownPostgresUnavailable,
  startOwnPostgres,
} from './helpers/own-postgres.js'

// Server faults on a native Postgres cluster of this file's own (never the shared one):
// restarted and stopped under a concurrent write load and between calls, through one
// PgvectorBackend whose postgres.js pool must reconnect by itself.
const unavailable = ownPostgresUnavailable()
const DIM = 8

if (unavailable !== undefined && process.env['REQUIRE_POSTGRES'] !== '1') {
  describe.skip(`Postgres server faults (skipped: ${unavailable})`, () => {
    it('needs root to run a cluster as user postgres', () => {})
  })
} else {
  describe('PgvectorBackend under Postgres server faults', () => {
    let pg: OwnPostgres
    beforeAll(async () => {
      pg = await startOwnPostgres('rel-faults', 55480)
    })
    afterAll(async () => {
      await pg?.destroy()
    })

    it('pg_ctl restart and pg_ctl stop mid-load, 3 rounds: typed errors while down, the pool reconnects, no acknowledged write lost, a failed upsertMany (COPY loads included) leaves nothing', async () => {
      const backend = await PgvectorBackend.create({
        dsn: pg.url,
        table: 'fault_midload',
        dim: DIM,
        maxConnections: 6,
      })
      const locker = postgres(pg.url, { max: 1, onnotice: () => {} })
      try {
        // A batch certainly in flight at the first restart: one of its rows is locked by
        // another session, so its transaction waits inside the server. The restart ends that
        // session; nothing more is sent on it.
        await backend.upsert('locked', ones(), { v: 'before' })
        await locker
          .unsafe(`BEGIN; SELECT 1 FROM fault_midload WHERE id = 'locked' FOR UPDATE`)
          .simple()
        const blocked = backend
          .upsertMany([
            { id: 'blocked-1', vector: ones(), payload: { v: 1 } },
            { id: 'locked', vector: ones(), payload: { v: 'after' } },
            { id: 'blocked-2', vector: ones(), payload: { v: 2 } },
          ])
          .then(
            () => undefined,
            (error: unknown) => error,
          )
        await waitFor(async () => Number(await pg.psql(LOCK_WAITERS)) > 0, 'the batch to wait')

        // Worker 0 writes COPY-sized batches, so some loads are cut mid-COPY.
        const load = startWriteLoad(backend, {
          workers: 8,
          dim: DIM,
          prefix: 'm',
          largeBatchRows: COPY_BATCH,
        })
        let faults = 0
        for (let round = 0; round < 3; round++) {
          await load.waitForMoreAcks(150, 60_000)
          await pg.restart()
          faults++
          await load.waitForMoreAcks(150, 60_000)
          await pg.stop()
          faults++
          // Workers wait for the pool's reconnect delay (at most 2 s), then fail: typed, checked below.
          const failedBefore = load.errors.length
          await waitFor(
            async () => load.errors.length >= failedBefore + 8,
            'calls to fail while the server is stopped',
          )
          await pg.start()
        }
        await load.waitForMoreAcks(150, 60_000)
        await load.stop()

        expect(await blocked).toBeInstanceOf(BackendConnectionError)
        const figures = await checkAfterFault(backend, load)
        const stored = await listAll(backend)
        expect(stored.has('blocked-1') || stored.has('blocked-2')).toBe(false)
        expect(stored.get('locked')).toEqual({ v: 'before' })
        const copyBatches = load.failedBatches.filter((batch) => batch.length === COPY_BATCH)
        // A connection postgres.js left unable to send waits for connect_timeout once reconnected.
        const stalledCalls = load.errors.filter(
          (error) => (error as { cause?: { code?: unknown } }).cause?.code === 'CONNECT_TIMEOUT',
        ).length
        console.info(`postgres restart and stop mid-load: ${faults} faults,`, {
          ...figures,
          failedCopyBatches: copyBatches.length,
          stalledCalls,
          slowestCall: load.slowest,
        })
        expect(figures.lostAcked).toBe(0)
      } finally {
        await locker.end({ timeout: 1 })
        await backend.close()
      }
      expect(await pg.psql(APP_CONNECTIONS)).toBe('0')
    })

    it('pg_ctl stop and start, and pg_ctl restart, between calls: typed errors while down, the pool reconnects by itself, nothing acknowledged is lost', async () => {
      const backend = await PgvectorBackend.create({
        dsn: pg.url,
        table: 'fault_stop',
        dim: DIM,
        maxConnections: 6,
      })
      const acked = new Map<string, unknown>()
      let faults = 0
      // A concurrent burst that fills the pool; awaited, so the server sees only idle connections.
      const burst = async (round: number) => {
        await Promise.all(
          Array.from({ length: 24 }, async (_, i) => {
            const id = `s${round}-${i}`
            if (i % 3 === 0) {
              const records = [0, 1, 2].map((j) => ({
                id: `${id}-${j}`,
                vector: ones(),
                payload: { round, i, j },
              }))
              await backend.upsertMany(records)
              for (const r of records) acked.set(r.id, r.payload)
            } else {
              await backend.upsert(id, ones(), { round, i })
              acked.set(id, { round, i })
            }
          }),
        )
        expect(await backend.count({ round })).toBe(40)
      }
      try {
        for (let round = 0; round < 3; round++) {
          await burst(round)
          await pg.stop()
          faults++
          // While the server is gone: each kind of call fails fast with a typed error.
          const calls: [string, () => Promise<unknown>][] = [
            ['upsert', () => backend.upsert(`down-${round}`, ones(), {})],
            [
              'upsertMany',
              () =>
                backend.upsertMany([
                  { id: `down-many-${round}-1`, vector: ones(), payload: {} },
                  { id: `down-many-${round}-2`, vector: ones(), payload: {} },
                ]),
            ],
            ['search', () => backend.search(ones(), 3, {})],
            ['count', () => backend.count({})],
            ['listWhere', () => backend.listWhere({}, 5)],
            ['delete', () => backend.delete('s0-1')],
            ['deleteWhere', () => backend.deleteWhere({ round: 0 })],
          ]
          for (const [name, call] of calls) {
            const error = await call().then(
              () => undefined,
              (e: unknown) => e,
            )
            expect(error, name).toBeInstanceOf(BackendConnectionError)
            expect((error as Error).message, name).toMatch(new RegExp(`^${name} failed`))
          }
          await pg.start()
          await burst(round + 10)
          await pg.restart()
          faults++
        }
        const stored = await listAll(backend)
        expect([...acked.keys()].filter((id) => !stored.has(id))).toEqual([])
        for (const [id, payload] of acked) expect(stored.get(id), id).toEqual(payload)
        expect([...stored.keys()].filter((id) => id.startsWith('down'))).toEqual([])
        expect(stored.size).toBe(acked.size)
        console.info(
          `postgres stop/start and restart: ${faults} faults, ${acked.size} acknowledged writes, 0 lost`,
        )
      } finally {
        await backend.close()
      }
      expect(await pg.psql(APP_CONNECTIONS)).toBe('0')
    })
  })
}

// At least COPY_MIN_ROWS: these batches go through COPY.
const COPY_BATCH = 600
const ones = () => Array.from({ length: DIM }, () => 1)
const LOCK_WAITERS = `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'vecstore'`
// Client sessions other than this psql: the backends' pools must all be gone after close().
const APP_CONNECTIONS = `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}
