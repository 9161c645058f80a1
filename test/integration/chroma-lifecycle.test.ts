import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { ChromaClient } from 'chromadb'
import { afterAll, describe, expect, it } from 'vitest'
import {
  ChromaBackend,
  runningLocalChromaServers,
  startLocalChromaServer,
} from '../../src/chroma/index.js'
import {
  BackendConnectionError,
  DimensionMismatchError,
  InvalidArgumentError,
  MetricMismatchError,
  NotInitializedError,
} from '../../src/index.js'
import { expectNoLocalServers, expectProcessGone, failureOf } from '../setup/chroma.js'
import { makeTempDir } from '../setup/temp-dir.js'

const temp = makeTempDir('vecstore-chroma-lifecycle-')
const pids = new Set<number>()
let dirs = 0
const freshDir = () => `${temp.dir}/data-${dirs++}`

function track(backend: ChromaBackend): ChromaBackend {
  if (backend.localServer) pids.add(backend.localServer.pid)
  return backend
}

const records = Array.from({ length: 50 }, (_, i) => ({
  id: `r${String(i).padStart(2, '0')}`,
  vector: [1, i % 7, (i * 3) % 5],
  payload: { i, even: i % 2 === 0, tags: [i], nested: { s: `v${i}` } },
}))

afterAll(async () => {
  await expectNoLocalServers(pids)
  temp.cleanup()
})

describe('ChromaBackend persistent mode', () => {
  it('keeps data, metric and scores across a server restart', async () => {
    const path = freshDir()
    const first = track(await ChromaBackend.create('keep', { path, metric: 'ip' }))
    await first.upsertMany(records)
    const before = await first.search([1, 2, 3], 10, { even: true })
    const firstPid = first.localServer?.pid as number
    await first.close()
    await expectProcessGone(firstPid)

    const second = track(await ChromaBackend.create('keep', { path }))
    expect(second.localServer?.pid).not.toBe(firstPid)
    expect(second.metric).toBe('ip')
    expect(second.dim).toBe(3)
    expect(await second.count({})).toBe(50)
    expect(await second.search([1, 2, 3], 10, { even: true })).toEqual(before)
    expect(await second.listWhere({}, 100)).toEqual(
      records.map(({ id, payload }) => ({ id, payload })),
    )
    await second.close()
  })

  it('keeps acknowledged writes when the server is killed, and names the failed operation', async () => {
    const path = freshDir()
    const first = track(await ChromaBackend.create('crash', { path, metric: 'l2' }))
    await first.upsertMany(records)
    process.kill(first.localServer?.pid as number, 'SIGKILL')
    await expectProcessGone(first.localServer?.pid as number)
    const failure = first.count({}).catch((error: unknown) => error)
    await expect(failure).resolves.toBeInstanceOf(BackendConnectionError)
    expect(((await failure) as Error).message).toMatch(/^count failed: cannot reach/)
    expect((await failure) as BackendConnectionError).toHaveProperty(
      'engineCode',
      'ChromaConnectionError',
    )
    await first.close()

    const second = track(await ChromaBackend.create('crash', { path }))
    expect(await second.count({})).toBe(50)
    expect((await second.search([1, 0, 0], 1, {}))[0]?.id).toBe('r00')
    await second.close()
  })

  it('shares one server between backends on one path until the last one closes', async () => {
    const path = freshDir()
    const a = track(await ChromaBackend.create('shared-a', { path }))
    const b = track(await ChromaBackend.create('shared-b', { path }))
    const sameCollection = await ChromaBackend.create('shared-a', { path })
    expect(b.localServer?.pid).toBe(a.localServer?.pid)
    expect(sameCollection.localServer?.pid).toBe(a.localServer?.pid)
    await a.upsert('x', [1, 0], { from: 'a' })
    expect(await sameCollection.listWhere({}, 5)).toEqual([{ id: 'x', payload: { from: 'a' } }])
    await a.close()
    await sameCollection.close()
    await b.upsert('y', [0, 1], {})
    expect(await b.count({})).toBe(1)
    const pid = b.localServer?.pid as number
    await b.close()
    await expectProcessGone(pid)
    expect(runningLocalChromaServers()).toEqual([])
  })
})

describe('ChromaBackend ephemeral mode', () => {
  it('drops the data when the last backend closes, and removes its directory', async () => {
    const a = track(await ChromaBackend.create('eph-data'))
    const b = track(await ChromaBackend.create('eph-data'))
    const dir = a.localServer?.path as string
    const pid = a.localServer?.pid as number
    expect(existsSync(dir)).toBe(true)
    await a.upsert('x', [1, 0, 0], { keep: 1 })
    await a.close()
    expect(await b.count({})).toBe(1)
    await b.close()
    await expectProcessGone(pid)
    expect(existsSync(dir)).toBe(false)

    const again = track(await ChromaBackend.create('eph-data'))
    expect(await again.count({})).toBe(0)
    await again.close()
  })

  it('drops a collection its last user closes while the server keeps running for others', async () => {
    const keeper = track(await ChromaBackend.create('eph-keeper'))
    const user = await ChromaBackend.create('eph-drop')
    await user.upsert('x', [1, 0, 0], {})
    await user.close()
    const reopened = await ChromaBackend.create('eph-drop')
    expect(reopened.localServer?.pid).toBe(keeper.localServer?.pid)
    expect(await reopened.count({})).toBe(0)
    await reopened.close()
    await keeper.close()
  })
})

describe('ChromaBackend lifecycle', () => {
  it('refuses every call before initialize and after close', async () => {
    const backend = new ChromaBackend('never-opened', { path: freshDir() })
    const calls = [
      () => backend.upsert('a', [1], {}),
      () => backend.upsertMany([]),
      () => backend.search([1], 1, {}),
      () => backend.delete('a'),
      () => backend.deleteWhere({ a: 1 }),
      () => backend.clearAll(),
      () => backend.listWhere({}, 1),
      () => backend.count({}),
    ]
    for (const call of calls) {
      await expect(call()).rejects.toThrow(/not initialized; use await ChromaBackend.create/)
    }
    await backend.initialize()
    track(backend)
    await backend.initialize()
    await backend.close()
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(NotInitializedError)
    await expect(backend.initialize()).rejects.toBeInstanceOf(NotInitializedError)
    await backend.close()
  })

  it('runs one backend’s writes in call order, and close() waits for them', async () => {
    const path = freshDir()
    const backend = track(await ChromaBackend.create('ordered', { path }))
    const writes = Array.from({ length: 20 }, (_, i) =>
      backend.upsert('same', [1, i + 1], i % 2 === 0 ? { even: i } : { odd: i }),
    )
    const closing = backend.close()
    await Promise.all([...writes, closing])
    const reopened = await ChromaBackend.create('ordered', { path })
    expect(await reopened.listWhere({}, 5)).toEqual([{ id: 'same', payload: { odd: 19 } }])
    expect(await reopened.count({ even: { $exists: true } })).toBe(0)
    expect((await reopened.search([1, 20], 1, {}))[0]?.score).toBeCloseTo(1, 6)
    await reopened.close()
  })

  it('fixes the metric at creation: another metric is refused, none adopts the collection’s', async () => {
    const path = freshDir()
    const created = track(await ChromaBackend.create('metric', { path, metric: 'l2' }))
    await expect(ChromaBackend.create('metric', { path, metric: 'cosine' })).rejects.toBeInstanceOf(
      MetricMismatchError,
    )
    const adopted = await ChromaBackend.create('metric', { path })
    expect(adopted.metric).toBe('l2')
    await adopted.close()
    await created.close()
    expect(runningLocalChromaServers()).toEqual([])
  })

  it('checks the dimension given at creation against the collection', async () => {
    const path = freshDir()
    const fixed = track(await ChromaBackend.create('dims', { path, dim: 3 }))
    await expect(ChromaBackend.create('dims', { path, dim: 4 })).rejects.toBeInstanceOf(
      DimensionMismatchError,
    )
    const learned = await ChromaBackend.create('dims', { path })
    expect(learned.dim).toBe(3)
    await expect(learned.upsert('a', [1, 2], {})).rejects.toBeInstanceOf(DimensionMismatchError)
    await learned.close()
    await fixed.close()
  })

  it('records the embedding model: another one is refused, one not yet recorded is recorded', async () => {
    const path = freshDir()
    const unrecorded = track(await ChromaBackend.create('models', { path, dim: 2 }))
    await unrecorded.upsert('a', [1, 2], { n: 1 })
    const recording = await ChromaBackend.create('models', { path, model: 'model-a' })
    expect(recording.model).toBe('model-a')
    await recording.close()
    await expect(ChromaBackend.create('models', { path, model: 'model-b' })).rejects.toMatchObject({
      code: 'EMBEDDING_MODEL_MISMATCH',
      where: "collection 'models'",
      stored: 'model-a',
      requested: 'model-b',
    })
    const adopted = await ChromaBackend.create('models', { path })
    expect(adopted.model).toBe('model-a')
    expect(await adopted.listWhere({}, 5)).toEqual([{ id: 'a', payload: { n: 1 } }])
    await expect(adopted.upsert('b', [1, 2, 3], {})).rejects.toThrow(
      "collection 'models' holds vectors of 2 dimensions, got 3",
    )
    await adopted.close()
    await unrecorded.close()
  })

  it('applies HNSW options at creation', async () => {
    const server = await startLocalChromaServer({ path: freshDir() })
    pids.add(server.pid)
    const backend = await ChromaBackend.create('tuned', {
      host: server.host,
      port: server.port,
      hnsw: { efSearch: 321, efConstruction: 123, maxNeighbors: 24 },
    })
    const client = new ChromaClient({ host: server.host, port: server.port })
    const collection = await client.getCollection({ name: 'tuned' })
    expect(collection.configuration.hnsw).toMatchObject({
      ef_search: 321,
      ef_construction: 123,
      max_neighbors: 24,
    })
    await backend.close()
    await server.stop()
  })
})

describe('ChromaBackend HTTP mode', () => {
  it('uses an injected client and leaves it open', async () => {
    const server = await startLocalChromaServer()
    pids.add(server.pid)
    const client = new ChromaClient({ host: server.host, port: server.port })
    const backend = await ChromaBackend.create('injected', { client, metric: 'l2' })
    expect(backend.localServer).toBeUndefined()
    await backend.upsert('a', [3, 4], { ok: true })
    expect(await backend.search([0, 0], 1, {})).toEqual([
      { id: 'a', score: 1 / 6, payload: { ok: true } },
    ])
    await backend.close()
    expect(typeof (await client.heartbeat())).toBe('number')
    await server.stop()
  })

  it('refuses a non-empty collection vecstore did not write, and adopts an empty one', async () => {
    const server = await startLocalChromaServer()
    pids.add(server.pid)
    const client = new ChromaClient({ host: server.host, port: server.port })
    const target = { host: server.host, port: server.port }
    const foreign = await client.createCollection({ name: 'foreign', embeddingFunction: null })
    await foreign.add({ ids: ['x'], embeddings: [[1, 2]], metadatas: [{ a: 1 }] })
    await expect(ChromaBackend.create('foreign', target)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
    await client.createCollection({
      name: 'empty-foreign',
      metadata: { 'hnsw:space': 'ip', owner: 'someone' },
      embeddingFunction: null,
    })
    const adopted = await ChromaBackend.create('empty-foreign', target)
    expect(adopted.metric).toBe('ip')
    const metadata = (await client.getCollection({ name: 'empty-foreign' })).metadata
    expect(metadata).toMatchObject({ owner: 'someone', 'vecstore:format': 1 })
    await adopted.close()
    await server.stop()
  })

  it('reports an unreachable server as BackendConnectionError without leaking headers', async () => {
    const port = await unusedPort()
    const attempt = failureOf(
      ChromaBackend.create('nowhere', {
        host: '127.0.0.1',
        port,
        headers: { 'x-chroma-token': 'token-s3cr3t' },
      }),
    )
    const error = await attempt
    expect(error).toBeInstanceOf(BackendConnectionError)
    expect(error.message).toContain(`127.0.0.1:${port}`)
    expect(`${error.message} ${error.stack}`).not.toContain('s3cr3t')
  })
})

async function unusedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
