import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import { BackendConnectionError } from '../../src/core/errors.js'
import { expectProcessGone } from '../setup/chroma.js'
import { ChromaProcess } from './helpers/chroma-process.js'
import { checkAfterFault, listAll, startWriteLoad } from './helpers/fault-load.js'

// A Chroma server SIGKILLed and started again on the same port and data directory under a
// concurrent write load, through one ChromaBackend in HTTP mode: no process restart of ours.
const DIM = 8
const dir = mkdtempSync(join(tmpdir(), 'vecstore-chroma-faults-'))
let server: ChromaProcess

beforeAll(async () => {
  server = await ChromaProcess.start(dir)
})
afterAll(async () => {
  await server?.kill()
  for (const pid of server?.starts ?? []) await expectProcessGone(pid)
  rmSync(dir, { recursive: true, force: true })
})

describe('ChromaBackend under Chroma server faults', () => {
  it('SIGKILL and restart mid-load, 3 times: typed errors while down, recovers by itself, no acknowledged write lost', async () => {
    const backend = await ChromaBackend.create('faults', {
      host: '127.0.0.1',
      port: server.port,
      dim: DIM,
      retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 100 },
    })
    const load = startWriteLoad(backend, { workers: 6, dim: DIM, prefix: 'k' })
    try {
      for (let fault = 0; fault < 3; fault++) {
        await load.waitForMoreAcks(60, 60_000)
        await server.kill()
        const calls: [string, () => Promise<unknown>][] = [
          ['upsert', () => backend.upsert(`down-${fault}`, ones(), {})],
          [
            'upsertMany',
            () => backend.upsertMany([{ id: `down-many-${fault}`, vector: ones(), payload: {} }]),
          ],
          ['search', () => backend.search(ones(), 3, {})],
          ['count', () => backend.count({})],
          ['listWhere', () => backend.listWhere({}, 5)],
          ['delete', () => backend.delete('k-w0-0')],
          ['deleteWhere', () => backend.deleteWhere({ tag: 'none' })],
        ]
        for (const [name, call] of calls) {
          const error = await call().then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(error, name).toBeInstanceOf(BackendConnectionError)
          expect((error as Error).message, name).toMatch(new RegExp(`^${name} failed`))
        }
        await server.start()
      }
      await load.waitForMoreAcks(60, 60_000)
    } finally {
      await load.stop()
    }
    const figures = await checkAfterFault(backend, load)
    const stored = await listAll(backend)
    expect([...stored.keys()].filter((id) => id.startsWith('down'))).toEqual([])
    console.info('chroma SIGKILL mid-load:', { faults: 3, ...figures, slowest: load.slowest })
    expect(figures.failures).toBeGreaterThan(0)
    expect(figures.lostAcked).toBe(0)
    await backend.close()
  })

  it('a call made while the server is down succeeds once it is back, through bounded retries', async () => {
    const backend = await ChromaBackend.create('faults-retry', {
      host: '127.0.0.1',
      port: server.port,
      dim: DIM,
      retry: { attempts: 12, initialDelayMs: 100, maxDelayMs: 500 },
    })
    await backend.upsert('before', ones(), { v: 1 })
    await server.kill()
    const during = backend.upsert('during', ones(), { v: 2 })
    const counted = backend.count({})
    await sleep(300)
    await server.start()
    await during
    expect(await counted).toBeGreaterThanOrEqual(1)
    expect(await backend.listWhere({}, 10)).toEqual([
      { id: 'before', payload: { v: 1 } },
      { id: 'during', payload: { v: 2 } },
    ])
    await backend.close()
  })
})

const ones = () => Array.from({ length: DIM }, () => 1)
