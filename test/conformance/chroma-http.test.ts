import { afterAll, beforeAll, describe, it } from 'vitest'
import {
  ChromaBackend,
  type LocalChromaServer,
  startLocalChromaServer,
} from '../../src/chroma/index.js'
import { CAPABILITIES, describeBackend } from '../../src/testing/index.js'
import {
  chromaUrlTarget,
  collectionNames,
  dropCollections,
  expectNoLocalServers,
} from '../setup/chroma.js'

// HTTP mode against CHROMA_URL when set, else against a local server this
// file starts (the same server a deployment would run, on 127.0.0.1).
const names = collectionNames('http')
let local: LocalChromaServer | undefined
let target: { host: string; port: number; ssl: boolean }

beforeAll(async () => {
  const fromEnv = chromaUrlTarget()
  if (fromEnv) {
    target = fromEnv
    return
  }
  local = await startLocalChromaServer()
  target = { host: local.host, port: local.port, ssl: false }
})

afterAll(async () => {
  await dropCollections(target, names.all())
  if (local === undefined) return
  await local.stop()
  await expectNoLocalServers([local.pid])
})

describeBackend(
  'ChromaBackend (HTTP)',
  ({ metric, dim }) => ChromaBackend.create(names.next(), { ...target, metric, dim }),
  { describe, it },
  { capabilities: CAPABILITIES },
)
