import { afterAll, describe, it } from 'vitest'
import { InMemoryVectorBackend } from '../../src/index.js'
import { CAPABILITIES, describeBackend } from '../../src/testing/index.js'
import { makeTempDir } from '../setup/temp-dir.js'

describeBackend(
  'InMemoryVectorBackend',
  async ({ metric, dim }) => new InMemoryVectorBackend({ metric, dim }),
  { describe, it },
  { capabilities: CAPABILITIES },
)

const temp = makeTempDir()
afterAll(temp.cleanup)
let files = 0

describeBackend(
  'InMemoryVectorBackend with snapshotPath',
  async ({ metric, dim }) =>
    new InMemoryVectorBackend({
      metric,
      dim,
      snapshotPath: `${temp.dir}/index-${files++}.json`,
      // Small threshold: compaction runs inside the suite too.
      compactionThresholdBytes: 2048,
    }),
  { describe, it },
  { capabilities: CAPABILITIES },
)
