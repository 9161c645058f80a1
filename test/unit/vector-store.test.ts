import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  EmptyFilterError,
  InMemoryVectorBackend,
  InvalidArgumentError,
  InvalidPayloadError,
  NotInitializedError,
  SnapshotLockedError,
  StoreScope,
  VectorStore,
} from '../../src/index.js'

const acme = new StoreScope({ tenant: 'acme' })
const globex = new StoreScope({ tenant: 'globex' })

function makeStore() {
  return new VectorStore(new InMemoryVectorBackend({ metric: 'cosine' }))
}

describe('VectorStore', () => {
  it('stores entries and returns ranked results with every field', async () => {
    const store = makeStore()
    const createdAt = new Date('2026-01-02T03:04:05.000Z')
    await store.upsert([
      {
        id: 'd1#0',
        content: 'first',
        vector: [1, 0],
        documentId: 'd1',
        chunkIndex: 0,
        embeddingModel: 'm',
        metadata: { lang: 'en' },
        scope: acme,
        createdAt,
      },
      {
        id: 'd1#1',
        content: 'second',
        vector: [1, 1],
        documentId: 'd1',
        chunkIndex: 1,
        scope: acme,
        createdAt,
      },
    ])
    const results = await store.search({ vector: [1, 0], topK: 5, scope: acme })
    expect(results.map((r) => [r.entry.id, r.rank])).toEqual([
      ['d1#0', 1],
      ['d1#1', 2],
    ])
    expect(results[0]?.score).toBeCloseTo(1, 6)
    expect(results[0]?.entry).toEqual({
      id: 'd1#0',
      content: 'first',
      documentId: 'd1',
      chunkIndex: 0,
      embeddingModel: 'm',
      metadata: { lang: 'en' },
      scope: acme,
      createdAt,
    })
  })

  it('the same id in two scopes is two entries', async () => {
    const store = makeStore()
    await store.upsert({ id: 'x', content: 'acme', vector: [1, 0], scope: acme })
    await store.upsert({ id: 'x', content: 'globex', vector: [1, 0], scope: globex })
    await store.upsert({ id: 'x', content: 'global', vector: [1, 0] })
    expect(await store.count()).toBe(3)
    await store.delete('x', acme)
    expect((await store.find({ scope: globex })).entries.map((e) => e.content)).toEqual(['globex'])
    expect(await store.count({ scope: acme })).toBe(0)
  })

  it('metadata filters narrow the scope and can never widen it', async () => {
    const store = makeStore()
    await store.upsert({
      id: 'a',
      content: 'a',
      vector: [1, 0],
      scope: acme,
      metadata: { kind: 'doc' },
    })
    await store.upsert({
      id: 'b',
      content: 'b',
      vector: [1, 0],
      scope: globex,
      metadata: { kind: 'doc' },
    })
    const sneaky = [
      { $or: [{ kind: 'doc' }, { scope_tenant: 'globex' }] },
      { scope_tenant: 'globex' },
      { scope_tenant: { $exists: true } },
    ]
    for (const metadataFilters of sneaky) {
      const hits = await store.search({ vector: [1, 0], scope: acme, metadataFilters })
      expect(hits.every((hit) => hit.entry.scope.labels['tenant'] === 'acme')).toBe(true)
      expect(await store.count({ scope: acme, metadataFilters })).toBeLessThanOrEqual(1)
    }
    await store.deleteWhere({
      scope: acme,
      metadataFilters: { $or: [{ kind: 'doc' }, { scope_tenant: 'globex' }] },
    })
    expect(await store.count({ scope: globex })).toBe(1)
  })

  it('metadata cannot overwrite core fields or scope labels', async () => {
    const store = makeStore()
    for (const key of ['content', 'entry_id', 'created_at', 'scope_tenant']) {
      await expect(
        store.upsert({ id: 'a', content: 'a', vector: [1, 0], metadata: { [key]: 'x' } }),
      ).rejects.toThrow(InvalidPayloadError)
    }
    expect(await store.count()).toBe(0)
  })

  it('clearing everything is explicit', async () => {
    const store = makeStore()
    await store.upsert({ id: 'a', content: 'a', vector: [1, 0], scope: acme })
    await store.upsert({ id: 'b', content: 'b', vector: [1, 0], scope: globex })
    await expect(store.clear(StoreScope.GLOBAL)).rejects.toThrow(InvalidArgumentError)
    await expect(store.deleteWhere({})).rejects.toThrow(EmptyFilterError)
    await store.clear(acme)
    expect(await store.count()).toBe(1)
    await store.clearAll()
    expect(await store.count()).toBe(0)
  })

  it('find pages through a scope and its sub-scopes with an opaque cursor', async () => {
    const store = makeStore()
    const sub = new StoreScope({ tenant: 'acme', user: 'u1' })
    for (const id of ['c', 'a', 'b'])
      await store.upsert({ id, content: id, vector: [1, 0], scope: acme })
    await store.upsert({ id: 'd', content: 'd', vector: [1, 0], scope: sub })
    await store.upsert({ id: 'a0', content: 'other', vector: [1, 0], scope: globex })
    const seen: string[] = []
    let after: string | undefined
    do {
      const page = await store.find({
        scope: acme,
        limit: 1,
        ...(after === undefined ? {} : { after }),
      })
      seen.push(...page.entries.map((e) => e.id))
      after = page.next
    } while (after !== undefined)
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd'])
  })

  it('keeps "__proto__" metadata and refuses ids too long for their scope', async () => {
    const store = makeStore()
    const metadata = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, never>
    await store.upsert({ id: 'p', content: 'p', vector: [1, 0], scope: acme, metadata })
    const [entry] = (await store.find({ scope: acme })).entries
    expect(Object.hasOwn(entry?.metadata ?? {}, '__proto__')).toBe(true)
    await expect(
      store.upsert({ id: 'x'.repeat(250), content: 'x', vector: [1, 0], scope: acme }),
    ).rejects.toThrow(/in this scope/)
    await expect(store.delete('p', {} as StoreScope)).rejects.toThrow(InvalidArgumentError)
    expect(() => new StoreScope({ tenant: '|'.repeat(128) })).toThrow(InvalidArgumentError)
  })

  it('close() closes the backend: its snapshot is free for the next writer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vecstore-store-'))
    try {
      const snapshotPath = join(dir, 'index.json')
      const store = new VectorStore(new InMemoryVectorBackend({ snapshotPath }))
      await store.upsert({ id: 'a', content: 'kept', vector: [1, 0] })
      expect(() => new InMemoryVectorBackend({ snapshotPath })).toThrow(SnapshotLockedError)
      await store.close()
      await expect(store.count()).rejects.toBeInstanceOf(NotInitializedError)
      const reopened = new VectorStore(new InMemoryVectorBackend({ snapshotPath }))
      expect(await reopened.count()).toBe(1)
      await reopened.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a scope reaches only entries carrying all its labels (property)', async () => {
    const scopes = [acme, globex, new StoreScope({ tenant: 'acme', user: 'u1' })]
    const call = fc.record({
      scope: fc.integer({ min: 0, max: 2 }),
      op: fc.constantFrom('upsert', 'delete', 'deleteWhere', 'clear', 'search', 'find', 'count'),
      id: fc.constantFrom('x', 'y', '|x', 'tenant=globex|x', 'tenant=acme&user=u1|x'),
      kind: fc.constantFrom('a', 'b'),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 25 }), async (calls) => {
        const store = makeStore()
        for (const { scope: i, op, id, kind } of calls) {
          const scope = scopes[i] as StoreScope
          const key = JSON.stringify(scope.labels)
          const before = await store.count()
          const othersBefore = await countOthers(store, scopes, scope)
          if (op === 'upsert') {
            await store.upsert({ id, content: key, vector: [1, i + 1], scope, metadata: { kind } })
          } else if (op === 'delete') await store.delete(id, scope)
          else if (op === 'deleteWhere')
            await store.deleteWhere({
              scope,
              metadataFilters: { $or: [{ kind }, { scope_tenant: 'globex' }] },
            })
          else if (op === 'clear') await store.clear(scope)
          else {
            const entries =
              op === 'search'
                ? (
                    await store.search({
                      vector: [1, 1],
                      topK: 50,
                      scope,
                      metadataFilters: { $or: [{ kind }, { scope_tenant: { $exists: true } }] },
                    })
                  ).map((r) => r.entry)
                : (await store.find({ scope, metadataFilters: { kind: { $ne: 'zzz' } } })).entries
            expect(entries.every((e) => covers(e.scope, scope))).toBe(true)
          }
          if (op !== 'upsert') expect(await store.count()).toBeLessThanOrEqual(before)
          // A scope is a filter on labels: it reaches its sub-scopes (tenant+user within tenant), nothing else.
          expect(await countOthers(store, scopes, scope)).toEqual(othersBefore)
        }
      }),
      { numRuns: 60 },
    )
  })
})

function covers(entryScope: StoreScope, scope: StoreScope): boolean {
  return Object.entries(scope.labels).every(([k, v]) => entryScope.labels[k] === v)
}

async function countOthers(store: VectorStore, scopes: StoreScope[], self: StoreScope) {
  const counts = []
  for (const scope of scopes) {
    if (covers(scope, self)) continue
    const { entries } = await store.find({ scope, limit: 1000 })
    counts.push(
      entries
        .filter((e) => JSON.stringify(e.scope.labels) === JSON.stringify(scope.labels))
        .map((e) => e.id)
        .sort(),
    )
  }
  return counts
}
