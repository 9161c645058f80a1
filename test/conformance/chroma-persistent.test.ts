import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import { CAPABILITIES, describeBackend } from '../../src/testing/index.js'
import { collectionNames, expectNoLocalServers } from '../setup/chroma.js'
import { makeTempDir } from '../setup/temp-dir.js'

// Persistent mode: every backend of this file uses one data directory, so
// they share one local server (one per path per process); one extra backend
// keeps it up between tests.
const temp = makeTempDir('vecstore-chroma-persistent-')
const names = collectionNames('per')
const serverPids = new Set<number>()
let keeper: ChromaBackend

beforeAll(async () => {
  keeper = await ChromaBackend.create(names.next(), { path: temp.dir })
  serverPids.add(keeper.localServer?.pid as number)
})

afterAll(async () => {
  await keeper.close()
  await expectNoLocalServers(serverPids)
  temp.cleanup()
})

describeBackend(
  'ChromaBackend (persistent)',
  async ({ metric, dim }) => {
    const backend = await ChromaBackend.create(names.next(), { path: temp.dir, metric, dim })
    serverPids.add(backend.localServer?.pid as number)
    return backend
  },
  { describe, it },
  { capabilities: CAPABILITIES },
)

describe('ChromaBackend (persistent) server', () => {
  it('is one server for the whole file', () => {
    expect(serverPids.size).toBe(1)
  })
})
