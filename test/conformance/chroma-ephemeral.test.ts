import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import { CAPABILITIES, describeBackend } from '../../src/testing/index.js'
import { collectionNames, expectNoLocalServers } from '../setup/chroma.js'

// Ephemeral mode: no path, no host. The backends of this file share the
// process's ephemeral server; one extra backend keeps it up between tests,
// so the file starts one server and stops it at the end.
const names = collectionNames('eph')
const serverPids = new Set<number>()
let keeper: ChromaBackend

beforeAll(async () => {
  keeper = await ChromaBackend.create(names.next())
  serverPids.add(keeper.localServer?.pid as number)
})

afterAll(async () => {
  const dataDir = keeper.localServer?.path as string
  await keeper.close()
  await expectNoLocalServers(serverPids)
  expect(existsSync(dataDir)).toBe(false)
})

describeBackend(
  'ChromaBackend (ephemeral)',
  async ({ metric, dim }) => {
    const backend = await ChromaBackend.create(names.next(), { metric, dim })
    serverPids.add(backend.localServer?.pid as number)
    return backend
  },
  { describe, it },
  { capabilities: CAPABILITIES },
)

describe('ChromaBackend (ephemeral) server', () => {
  it('is one server for the whole file', () => {
    expect(serverPids.size).toBe(1)
  })
})
