import assert from 'node:assert/strict'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { VectorBackend } from '../../src/core/backend.js'
import type { Filter } from '../../src/core/filter.js'
import { InMemoryVectorBackend, StoreScope, VectorStore } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'

// Scope A and scope B hold the same entry ids, metadata keys and values. Whatever A does
// through VectorStore (any filter, id, call, even filters naming scope_ fields or B's
// labels), B's entries must be unread, uncounted, unlisted, unchanged and undeleted.
const A = new StoreScope({ tenant: 'a' })
const B = new StoreScope({ tenant: 'b' })
const AB = new StoreScope({ tenant: 'a', user: 'b' })
const IDS = ['doc#0', 'doc#1', 'shared', "x' OR '1'='1", 'b|doc#0', 'tenant=b|doc#0']

const scopeKeyArb = fc.constantFrom('scope_tenant', 'scope_user', 'tenant', 'lang', 'n', 'entry_id')
const scopeValueArb = fc.constantFrom<string | number | null>('a', 'b', 'en', 'fr', 1, 2, null)
const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.tuple(scopeKeyArb, scopeValueArb).map(([k, v]) => ({ [k]: v })),
  fc.tuple(scopeKeyArb, scopeValueArb).map(([k, v]) => ({ [k]: { $ne: v } })),
  fc
    .tuple(scopeKeyArb, fc.array(scopeValueArb, { maxLength: 3 }))
    .map(([k, v]) => ({ [k]: { $in: v } })),
  fc
    .tuple(scopeKeyArb, fc.array(scopeValueArb, { maxLength: 3 }))
    .map(([k, v]) => ({ [k]: { $nin: v } })),
  fc.tuple(scopeKeyArb, fc.boolean()).map(([k, v]) => ({ [k]: { $exists: v } })),
)
const filterArb: fc.Arbitrary<Filter | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({}),
  leafArb,
  fc.array(leafArb, { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })),
  fc.array(leafArb, { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })),
)
type Attack =
  | { kind: 'search' | 'find' | 'count' | 'deleteWhere'; filter: Filter | undefined }
  | { kind: 'delete' | 'upsert'; id: string }
  | { kind: 'findAfter'; after: string; filter: Filter | undefined }
const attackArb: fc.Arbitrary<Attack> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('search', 'find', 'count', 'deleteWhere') as fc.Arbitrary<'search'>,
      filterArb,
    )
    .map(([kind, filter]) => ({ kind, filter })),
  fc
    .tuple(fc.constantFrom('delete', 'upsert') as fc.Arbitrary<'delete'>, fc.constantFrom(...IDS))
    .map(([kind, id]) => ({ kind, id })),
  fc
    .tuple(fc.constantFrom('', 'b', '|', 'tenant=b|', 'tenant=a|', 'tenant=b|doc#0'), filterArb)
    .map(([after, filter]) => ({ kind: 'findAfter' as const, after: after || 'a', filter })),
)

async function seed(store: VectorStore): Promise<void> {
  await store.clearAll()
  for (const scope of [A, B, AB]) {
    await store.upsert(
      IDS.map((id, i) => ({
        id,
        content: `${JSON.stringify(scope.labels)} ${id}`,
        vector: [1, i + 1, 0],
        metadata: { lang: i % 2 ? 'en' : 'fr', n: i % 3, tenant: 'b' },
        scope,
        createdAt: new Date(0),
      })),
    )
  }
}

async function snapshotOf(store: VectorStore, scope: StoreScope): Promise<unknown> {
  const page = await store.find({ scope, limit: 1000 })
  return page.entries.map((e) => [e.id, e.content, e.metadata, e.scope.labels])
}

async function attack(store: VectorStore, op: Attack): Promise<void> {
  const outsideA = (labels: Readonly<Record<string, string>>) => labels['tenant'] !== 'a'
  const filter = 'filter' in op ? op.filter : undefined
  const query = { scope: A, ...(filter && { metadataFilters: filter }) }
  switch (op.kind) {
    case 'search':
      for (const r of await store.search({ ...query, vector: [1, 1, 0], topK: 100 }))
        assert.ok(!outsideA(r.entry.scope.labels), 'search returned another scope')
      return
    case 'find':
    case 'findAfter': {
      const page = await store.find({
        ...query,
        limit: 100,
        ...(op.kind === 'findAfter' && { after: op.after }),
      })
      for (const e of page.entries)
        assert.ok(!outsideA(e.scope.labels), 'find returned another scope')
      return
    }
    case 'count':
      assert.ok((await store.count(query)) <= IDS.length * 2, 'count saw another scope')
      return
    case 'deleteWhere':
      await store.deleteWhere(query)
      return
    case 'delete':
      await store.delete(op.id, A)
      return
    case 'upsert':
      await store.upsert({
        id: op.id,
        content: 'overwritten by A',
        vector: [0, 0, 1],
        scope: A,
        metadata: { tenant: 'b' },
      })
      return
  }
}

function isolationProperty(name: string, makeBackend: () => Promise<VectorBackend>, runs: number) {
  it(`${name}: scope A cannot read, count, list, update or delete scope B`, async () => {
    const store = new VectorStore(await makeBackend())
    let attacks = 0
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(attackArb, { minLength: 1, maxLength: 6 }), async (ops) => {
          await seed(store)
          const before = await snapshotOf(store, B)
          const countB = await store.count({ scope: B })
          for (const op of ops) {
            attacks++
            await attack(store, op).catch((error: unknown) => {
              // A refused call (e.g. an invalid filter) is fine; it must be a typed refusal.
              assert.ok((error as { code?: unknown }).code, `untyped error: ${String(error)}`)
            })
          }
          assert.deepEqual(await snapshotOf(store, B), before, "B's entries changed")
          assert.equal(await store.count({ scope: B }), countB)
        }),
        { numRuns: runs },
      )
    } finally {
      await store.backend.close?.()
    }
    console.info(`${name}: ${attacks} attacks by scope A, scope B untouched`)
    expect(attacks).toBeGreaterThan(runs)
  })
}

describe('tenant isolation through VectorStore', () => {
  isolationProperty('InMemoryVectorBackend', async () => new InMemoryVectorBackend(), 100)

  let pglite: PGlite | undefined
  afterAll(async () => {
    await pglite?.close()
  })
  isolationProperty(
    'PgvectorBackend on PGlite',
    async () => {
      pglite = await PGlite.create({ extensions: { vector } })
      return PgvectorBackend.create({ pglite, table: 'tenants', dim: 3 })
    },
    25,
  )
})
