import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InMemoryVectorBackend } from '../../src/index.js'
import { makeTempDir } from '../setup/temp-dir.js'

let temp: ReturnType<typeof makeTempDir>
let path: string
beforeEach(() => {
  temp = makeTempDir()
  path = `${temp.dir}/index.json`
})
afterEach(() => temp.cleanup())

const change = {
  delete: ['gone'],
  upsert: [{ id: 'a#0', vector: [1, 0, 0], payload: { doc: 'a' } }],
  putRecords: [{ key: '|a', value: { hash: 'h', chunks: ['0'], nested: { deep: [1, 'x'] } } }],
}

describe('records in a snapshot', () => {
  it('one change is one journal line, replayed whole on reopen', async () => {
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    await backend.upsert('gone', [0, 1, 0], {})
    await backend.applyChange(change)
    await backend.close()
    const lines = readFileSync(`${path}.journal`, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(JSON.parse(lines[2] as string)).toMatchObject({ op: 'change', delete: ['gone'] })
    const reopened = new InMemoryVectorBackend({ snapshotPath: path })
    expect(await reopened.listWhere({}, 10)).toEqual([{ id: 'a#0', payload: { doc: 'a' } }])
    expect(await reopened.getRecords(['|a'])).toEqual(change.putRecords)
    await reopened.close()
  })

  it('compaction writes records into a version 2 snapshot that loads back; without records it stays version 1', async () => {
    const backend = new InMemoryVectorBackend({ snapshotPath: path, compactionThresholdBytes: 1 })
    await backend.upsert('x', [1, 1, 0], {})
    expect(readFileSync(path, 'utf8')).toContain('"version":1')
    await backend.applyChange(change)
    await backend.applyChange({ putRecords: [{ key: '|b', value: {} }], deleteRecords: ['|none'] })
    await backend.close()
    const text = readFileSync(path, 'utf8')
    expect(text).toContain('"version":2')
    expect(text).toContain('],"records":[')
    const reopened = new InMemoryVectorBackend({ snapshotPath: path })
    expect(await reopened.listRecords({ limit: 10 })).toEqual([
      ...change.putRecords,
      { key: '|b', value: {} },
    ])
    expect(await reopened.count({})).toBe(2)
    await reopened.clearAll()
    await reopened.close()
    const cleared = new InMemoryVectorBackend({ snapshotPath: path })
    expect(await cleared.listRecords({ limit: 10 })).toEqual([])
    await cleared.close()
  })
})
