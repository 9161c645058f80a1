import { execFileSync } from 'node:child_process'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  DimensionMismatchError,
  InMemoryVectorBackend,
  MetricMismatchError,
  SnapshotCorruptError,
  SnapshotLockedError,
} from '../../src/index.js'
import { forEachLine } from '../../src/memory/snapshot-format.js'
import { makeTempDir } from '../setup/temp-dir.js'

let temp: ReturnType<typeof makeTempDir>
let path: string
beforeEach(() => {
  temp = makeTempDir()
  path = `${temp.dir}/index.json`
})
afterEach(() => temp.cleanup())

async function state(backend: InMemoryVectorBackend) {
  return {
    listed: await backend.listWhere({}, 10_000),
    hits: await backend.search([1, 2, 3], 10_000, {}),
  }
}

async function fill(backend: InMemoryVectorBackend, n: number) {
  for (let i = 0; i < n; i++)
    await backend.upsert(`id${i}`, [i + 1, 2, 3], { i, even: i % 2 === 0 })
}

describe('InMemoryVectorBackend snapshots', () => {
  it('reloads exactly what was written, across compactions', async () => {
    const backend = new InMemoryVectorBackend({
      snapshotPath: path,
      compactionThresholdBytes: 1000,
    })
    await fill(backend, 60)
    await backend.delete('id3')
    await backend.deleteWhere({ even: true, i: { $gt: 40 } })
    await backend.upsertMany([{ id: 'id1', vector: [9, 9, 9], payload: { replaced: true } }])
    const before = await state(backend)
    await backend.close()
    const reopened = new InMemoryVectorBackend({ snapshotPath: path })
    expect(await state(reopened)).toEqual(before)
    expect(reopened.dim).toBe(3)
    await reopened.close()
  })

  it('writes a versioned JSON header with metric and dimension', async () => {
    const backend = new InMemoryVectorBackend({
      snapshotPath: path,
      metric: 'ip',
      compactionThresholdBytes: 0,
    })
    await backend.upsert('a', [1, 2], { x: 1 })
    await backend.close()
    const header = JSON.parse(`${readFileSync(path, 'utf8').split('\n')[0]}]}`)
    expect(header).toMatchObject({
      format: 'vecstore-memory-snapshot',
      version: 1,
      metric: 'ip',
      dim: 2,
      count: 1,
    })
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      entries: [{ id: 'a', payload: { x: 1 } }],
    })
  })

  it('concurrent writes are all journaled and acknowledged in order', async () => {
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => backend.upsert(`k${i % 50}`, [i + 1, 1, 1], { i })),
    )
    const before = await state(backend)
    expect(await backend.count({})).toBe(50)
    expect((await backend.listWhere({}, 1, { after: 'k0' }))[0]?.payload).toEqual({ i: 151 })
    await backend.close()
    const reopened = new InMemoryVectorBackend({ snapshotPath: path })
    expect(await state(reopened)).toEqual(before)
    await reopened.close()
  })

  it('ignores and trims a torn last journal line, then keeps appending', async () => {
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    await fill(backend, 3)
    await backend.close()
    appendFileSync(`${path}.journal`, '{"op":"upsert","entries":[{"id":"torn","vec')
    const reopened = new InMemoryVectorBackend({ snapshotPath: path })
    expect(await reopened.count({})).toBe(3)
    await reopened.upsert('after', [1, 1, 1], {})
    await reopened.close()
    const again = new InMemoryVectorBackend({ snapshotPath: path })
    expect((await again.listWhere({}, 10)).map((e) => e.id)).toEqual(['after', 'id0', 'id1', 'id2'])
    await again.close()
  })

  it.each([
    ['garbage', 'not json at all'],
    [
      'a truncated snapshot',
      '{"format":"vecstore-memory-snapshot","version":1,"metric":"cosine","dim":3,"generation":1,"count":2,"entries":[\n{"id":"a","vector":"AACAPwAAAEAAAEBA","payload":{}},\n',
    ],
    [
      'a wrong count',
      '{"format":"vecstore-memory-snapshot","version":1,"metric":"cosine","dim":3,"generation":1,"count":2,"entries":[\n{"id":"a","vector":"AACAPwAAAEAAAEBA","payload":{}}\n]}\n',
    ],
    [
      'a bad vector',
      '{"format":"vecstore-memory-snapshot","version":1,"metric":"cosine","dim":3,"generation":1,"count":1,"entries":[\n{"id":"a","vector":"AAA","payload":{}}\n]}\n',
    ],
    [
      'an unknown version',
      '{"format":"vecstore-memory-snapshot","version":9,"metric":"cosine","dim":3,"generation":1,"count":0,"entries":[\n]}\n',
    ],
  ])('refuses %s with SnapshotCorruptError and leaves the file as it was', (_, text) => {
    writeFileSync(path, text)
    expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotCorruptError)
    expect(readFileSync(path, 'utf8')).toBe(text)
    // The failed open released its lock.
    expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotCorruptError)
  })

  it('refuses a damaged line inside the journal', async () => {
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    await fill(backend, 3)
    await backend.close()
    const lines = readFileSync(`${path}.journal`, 'utf8').split('\n')
    lines[1] = '{"op":"upsert","entries":[{"id":"x"}]}'
    const damaged = lines.join('\n')
    writeFileSync(`${path}.journal`, damaged)
    expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotCorruptError)
    expect(readFileSync(`${path}.journal`, 'utf8')).toBe(damaged)
  })

  it('refuses a damaged journal header instead of dropping the journal', async () => {
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    await fill(backend, 3)
    await backend.close()
    const journal = readFileSync(`${path}.journal`, 'utf8')
    const damaged = journal.replace('"generation":0', '"generation":7')
    writeFileSync(`${path}.journal`, damaged)
    expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotCorruptError)
    writeFileSync(
      `${path}.journal`,
      journal.replace('vecstore-memory-journal', 'vecstore-memory-jurnal'),
    )
    expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotCorruptError)
  })

  it('takes over a lock with its own pid that this process does not hold (a restarted container)', async () => {
    writeFileSync(`${path}.lock`, String(process.pid))
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotLockedError)
    await backend.close()
  })

  it('keeps the recorded metric: adopts it when none is asked, refuses another', async () => {
    const backend = new InMemoryVectorBackend({ snapshotPath: path, metric: 'l2' })
    await backend.upsert('a', [1, 2, 3], {})
    await backend.close()
    expect(() => new InMemoryVectorBackend({ snapshotPath: path, metric: 'cosine' })).toThrow(
      MetricMismatchError,
    )
    expect(() => new InMemoryVectorBackend({ snapshotPath: path, dim: 4, metric: 'l2' })).toThrow(
      DimensionMismatchError,
    )
    const adopted = new InMemoryVectorBackend({ snapshotPath: path })
    expect(adopted.metric).toBe('l2')
    await expect(adopted.upsert('b', [1, 2], {})).rejects.toThrow(DimensionMismatchError)
    await adopted.close()
  })

  it('a second writer in this process gets SnapshotLockedError until the first closes', async () => {
    const first = new InMemoryVectorBackend({ snapshotPath: path })
    expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotLockedError)
    await first.close()
    const second = new InMemoryVectorBackend({ snapshotPath: path })
    await second.close()
  })

  it('a second writer process gets SnapshotLockedError', async () => {
    const first = new InMemoryVectorBackend({ snapshotPath: path })
    const script = `import { InMemoryVectorBackend } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)}
try { new InMemoryVectorBackend({ snapshotPath: ${JSON.stringify(path)} }); console.log('opened') } catch (e) { console.log(e.name) }`
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    )
    expect(out.trim()).toBe('SnapshotLockedError')
    await first.close()
  })

  it('takes over a lock left by a process that no longer runs', () => {
    writeFileSync(`${path}.lock`, '999999999')
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    return backend.close()
  })

  it('creates the directories of a snapshot path that does not exist yet', async () => {
    const nested = `${path}.d/a/b/index.json`
    const backend = new InMemoryVectorBackend({ snapshotPath: nested })
    await backend.upsert('a', [1, 0], {})
    await backend.close()
    const reopened = new InMemoryVectorBackend({ snapshotPath: nested })
    expect(await reopened.count({})).toBe(1)
    await reopened.close()
  })

  it("loads the original library's {vectors, payloads} layout", async () => {
    writeFileSync(
      path,
      JSON.stringify({ vectors: { a: [1, 0], b: [0, 1] }, payloads: { a: { t: 'x' } } }, null, 2),
    )
    const backend = new InMemoryVectorBackend({ snapshotPath: path, metric: 'l2' })
    expect(await backend.listWhere({}, 10)).toEqual([
      { id: 'a', payload: { t: 'x' } },
      { id: 'b', payload: {} },
    ])
    await backend.upsert('c', [1, 1], {})
    await backend.close()
    const reopened = new InMemoryVectorBackend({ snapshotPath: path, metric: 'l2' })
    expect(await reopened.count({})).toBe(3)
    await reopened.close()
  })
})

describe('forEachLine', () => {
  it('reads lines across chunk boundaries and lines longer than a chunk', () => {
    const lines = ['short', 'x'.repeat(9 << 20), 'é'.repeat(3 << 20), '', 'after']
    for (let i = 0; i < 2000; i++) lines.push(`line ${i} ${'y'.repeat(i * 7)}`)
    writeFileSync(path, `${lines.join('\n')}\nno newline at the end`)
    const seen: string[] = []
    const result = forEachLine(path, (line) => {
      seen.push(line)
      return false
    })
    expect(seen).toEqual(lines)
    expect(result.tail).toBe('no newline at the end')
  })
})
