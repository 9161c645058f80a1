import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgvectorBackend, type PgvectorStats } from '../../src/pgvector/index.js'
import {
  type OwnPostgres,
  ownPostgresUnavailable,
  startOwnPostgres,
} from './helpers/own-postgres.js'
import { configurePrimary, freePort, type OwnReplica, startReplica } from './helpers/own-replica.js'
import { startReadYourWritesLoad } from './helpers/read-your-writes-load.js'

// A primary and a streaming replica of this file's own (never the shared cluster), on loopback.
const unavailable = ownPostgresUnavailable()
const DIM = 8
const BIN = new URL('../../bin/vecstore.js', import.meta.url).pathname

/** Table scans the replica itself counted for a table (its own statistics, not the backend's). */
async function replicaScans(replica: OwnReplica, table: string): Promise<number> {
  const scans = await replica.psql(
    `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables WHERE relname = '${table}'`,
  )
  return Number(scans)
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const replicaReads = async (backend: PgvectorBackend) =>
  ((await backend.stats()) as PgvectorStats).replicas?.[0]?.reads ?? 0

if (unavailable !== undefined && process.env['REQUIRE_POSTGRES'] !== '1') {
  describe.skip(`Read replicas (skipped: ${unavailable})`, () => {
    it('needs root to run a primary and a replica as user postgres', () => {})
  })
} else {
  describe('PgvectorBackend with a streaming replica', () => {
    let primary: OwnPostgres
    let replica: OwnReplica
    beforeAll(async () => {
      primary = await startOwnPostgres('replicas', 55520)
      await configurePrimary(primary)
      replica = await startReplica(primary, 55530)
    })
    afterAll(async () => {
      await replica?.destroy()
      await primary?.destroy()
    })

    it('10,000 mixed operations with readYourWrites: no read misses an acknowledged write, and the replica served the reads', async () => {
      const backend = await PgvectorBackend.create({
        dsn: primary.url,
        replicas: [replica.url],
        readYourWrites: true,
        // Generous on a shared 2-core machine: here the replica should answer, not the primary.
        replicaWaitMs: 5000,
        table: 'ryw',
        dim: DIM,
      })
      const scansBefore = await replicaScans(replica, 'ryw')
      let stats: PgvectorStats
      const load = startReadYourWritesLoad(backend, { workers: 8, dim: DIM, prefix: 'ryw' })
      try {
        await load.untilOps(10_000)
        await load.stop()
        stats = await backend.stats()
      } finally {
        await load.stop()
        await backend.close()
      }
      // The backend's sessions have ended, so the replica has recorded their scans.
      const scans = (await replicaScans(replica, 'ryw')) - scansBefore
      const reads = stats.replicas?.[0]?.reads ?? 0
      console.info('read-your-writes load:', {
        ops: load.ops(),
        violations: load.violations.length,
        failedReads: load.failedReads.length,
        replicaReads: reads,
        primaryReads: stats.primaryReads,
        replicaTableScans: scans,
        replica: stats.replicas?.[0],
      })
      expect(load.ops()).toBeGreaterThanOrEqual(10_000)
      expect(load.violations.slice(0, 5)).toEqual([])
      expect([...load.failedReads, ...load.failedWrites]).toEqual([])
      // Every read the backend sent there scanned the table at least once, on the replica.
      expect(reads).toBeGreaterThan(load.ops() / 4)
      expect(scans).toBeGreaterThanOrEqual(reads)
      expect(stats.replicas?.[0]).toMatchObject({ state: 'up', lagBytes: expect.any(Number) })
    })

    it('the replica stopped mid-load: reads go to the primary with none failing, and come back once it restarts', async () => {
      const backend = await PgvectorBackend.create({
        dsn: primary.url,
        replicas: [replica.url],
        readYourWrites: true,
        replicaRetryMs: 500,
        table: 'failover',
        dim: DIM,
      })
      const load = startReadYourWritesLoad(backend, { workers: 6, dim: DIM, prefix: 'fo' })
      const figures: Record<string, unknown> = {}
      try {
        await load.untilOps(1500)
        figures['replicaReadsBeforeStop'] = await replicaReads(backend)
        await replica.stop()
        const stoppedAt = load.ops()
        await load.untilOps(stoppedAt + 1500)
        const whileDown = (await backend.stats()) as PgvectorStats
        figures['whileDown'] = {
          replica: whileDown.replicas?.[0],
          primaryReads: whileDown.primaryReads,
        }
        expect(whileDown.replicas?.[0]?.state).toBe('down')
        await replica.start()
        const restartedReads = await replicaReads(backend)
        await waitFor(
          async () => (await replicaReads(backend)) > restartedReads + 200,
          'reads on the restarted replica',
        )
        await load.untilOps(load.ops() + 500)
        figures['replicaReadsAtEnd'] = await replicaReads(backend)
      } finally {
        await load.stop()
      }
      const end = (await backend.stats()) as PgvectorStats
      // A pooled connection opened before the stop fails on its first use after the restart, and
      // the replica is skipped for replicaRetryMs; if that was among the last reads, the check
      // that brings it back runs at the next question.
      const stateOf = async () => ((await backend.stats()) as PgvectorStats).replicas?.[0]?.state
      const backUp = await waitFor(async () => (await stateOf()) === 'up', 'the replica up', 10_000)
        .then(() => true)
        .catch(() => false)
        .finally(() => backend.close())
      console.info('replica stopped and restarted mid-load:', {
        ops: load.ops(),
        violations: load.violations.length,
        failedReads: load.failedReads.length,
        failedWrites: load.failedWrites.length,
        primaryReads: end.primaryReads,
        ...figures,
      })
      expect(load.failedReads).toEqual([])
      expect(load.failedWrites).toEqual([])
      expect(load.violations.slice(0, 5)).toEqual([])
      expect(backUp, 'the replica takes reads again').toBe(true)
    })

    it('with Drizzle databases: reads on the replica database, and markWritten after your own transaction', async () => {
      const primaryClient = postgres(primary.url, { max: 4, onnotice: () => {} })
      const replicaClient = postgres(replica.url, { max: 4, onnotice: () => {} })
      const db = drizzle({ client: primaryClient })
      try {
        const backend = await PgvectorBackend.create({
          db,
          replicas: [drizzle({ client: replicaClient })],
          readYourWrites: true,
          table: 'with_db',
          dim: 3,
        })
        const scansBefore = await replicaScans(replica, 'with_db')
        for (let i = 0; i < 50; i++) {
          await db.transaction((tx) =>
            backend.withTransaction(tx).upsert(`t${i}`, [1, i, 2], { i }),
          )
          await backend.markWritten()
          expect(await backend.getByIds([`t${i}`])).toHaveLength(1)
        }
        expect(await backend.count({})).toBe(50)
        const stats = (await backend.stats()) as PgvectorStats
        const reads = stats.replicas?.[0]?.reads ?? 0
        // 50 lookups, the count, and the count inside stats().
        expect(reads + (stats.primaryReads ?? 0)).toBe(52)
        expect(reads).toBeGreaterThan(0)
        await backend.close()
        // The backend never ends the app's clients: the replica's own counters are read through it.
        await replicaClient.end()
        expect((await replicaScans(replica, 'with_db')) - scansBefore).toBeGreaterThanOrEqual(reads)
      } finally {
        await primaryClient.end()
        await replicaClient.end()
      }
    })

    it('a replica that is down at start, or is no replica at all, is skipped: reads go to the primary', async () => {
      const closed = `postgres://postgres@127.0.0.1:${await freePort(55590)}/vecstore`
      const backend = await PgvectorBackend.create({
        dsn: primary.url,
        // The primary itself is not a replica (pg_last_wal_replay_lsn() is NULL there).
        replicas: [closed, primary.url],
        table: 'skipped',
        dim: 3,
      })
      try {
        await backend.upsert('a', [1, 2, 3], { v: 1 })
        for (let i = 0; i < 10; i++) expect(await backend.count({})).toBe(1)
        const stats = (await backend.stats()) as PgvectorStats
        expect(stats.replicas?.map((status) => [status.state, status.reads])).toEqual([
          ['down', 0],
          ['down', 0],
        ])
        expect(stats.primaryReads).toBeGreaterThanOrEqual(10)
        expect(JSON.stringify(stats.replicas)).not.toContain('postgres@')
      } finally {
        await backend.close()
      }
    })

    it('vecstore stats --replica shows the replica up with its lag', async () => {
      const backend = await PgvectorBackend.create({ dsn: primary.url, table: 'cli_stats', dim: 3 })
      await backend.upsert('a', [1, 2, 3], {})
      await backend.close()
      const uri = `${primary.url}?table=cli_stats`
      const run = promisify(execFile)
      const table = await run(process.execPath, [BIN, 'stats', uri, '--replica', replica.url])
      expect(table.stdout).toMatch(/^replicas\[0\] \(127\.0\.0\.1:\d+\/vecstore\)\s+up, lag \S+/m)
      const json = await run(process.execPath, [
        BIN,
        'stats',
        uri,
        '--replica',
        replica.url,
        '--json',
      ])
      expect(JSON.parse(json.stdout)).toMatchObject({
        count: 1,
        replicas: [{ state: 'up', lagBytes: expect.any(Number), reads: expect.any(Number) }],
      })
    })
  })
}
