import { isDeepStrictEqual } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import type { StoredRecord, VectorBackend } from '../../src/core/backend.js'
import type { Filter } from '../../src/core/filter.js'
import type { Payload } from '../../src/core/json.js'
import { InMemoryVectorBackend } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { collectionNames } from '../setup/chroma.js'
import { testEngines } from '../setup/postgres-engines.js'

// Keys an engine or JavaScript treats specially are ordinary payload keys on every backend:
// Chroma hides keys starting with `chroma:` and drops `__proto__`; a JS object literal turns
// `__proto__` into the prototype. JSON.parse makes `__proto__` an own key, as apps get it.
const RESERVED: Payload = JSON.parse(
  '{"__proto__": "p", "chroma:document": "doc", "chroma:x": 2, "plain": 1}',
) as Payload
// The same keys beside a nested value (Chroma then also keeps the payload as JSON).
const NESTED: Payload = JSON.parse(
  '{"__proto__": "q", "chroma:x": 3, "nested": {"__proto__": [1], "chroma:y": 4}}',
) as Payload
const only = (json: string) => JSON.parse(json) as Filter

type Subject = VectorBackend & {
  getByIds(ids: readonly string[]): Promise<StoredRecord[]>
  close(): Promise<void>
}

const names = collectionNames('keys')
// PGlite always; native Postgres when there is one (else testEngines says why, loudly).
const { engines } = await testEngines('reserved_keys')

afterAll(async () => {
  for (const engine of engines) await engine.close()
})

const OPENERS: [string, () => Promise<Subject>][] = [
  ['memory', async () => new InMemoryVectorBackend()],
  ...engines.map((engine): [string, () => Promise<Subject>] => [
    engine.name,
    () => PgvectorBackend.create({ db: engine.db, schema: engine.schema, table: 'keys', dim: 2 }),
  ]),
  ['Chroma', () => ChromaBackend.create(names.next(), { dim: 2 })],
]

describe('payload keys an engine reserves are stored, read and filtered like any other', () => {
  it.each(OPENERS)('chroma:* and __proto__ round-trip and filter on %s', async (name, open) => {
    const backend = await open()
    try {
      await backend.upsert('a', [1, 0], RESERVED)
      await backend.upsert('b', [0, 1], { plain: 1 })
      await backend.upsert('n', [1, 1], NESTED)
      const listed = await backend.listWhere({}, 10)
      const reads: [Payload | undefined, Payload][] = [
        [listed[0]?.payload, RESERVED],
        [listed[2]?.payload, NESTED],
        [(await backend.search([1, 0], 1, {}))[0]?.payload, RESERVED],
        [(await backend.getByIds(['n']))[0]?.payload, NESTED],
      ]
      for (const [payload, written] of reads) {
        expect(isDeepStrictEqual(payload, written), `${name}: ${JSON.stringify(payload)}`).toBe(
          true,
        )
        expect(Object.getPrototypeOf(payload), name).toBe(Object.prototype)
      }
      expect(await backend.count(only('{"__proto__": "p"}')), name).toBe(1)
      expect(await backend.count(only('{"__proto__": "p", "plain": 1}')), name).toBe(1)
      expect(await backend.count(only('{"__proto__": {"$ne": "q"}}')), name).toBe(1)
      expect(await backend.count(only('{"__proto__": {"$exists": true}}')), name).toBe(2)
      expect(await backend.count({ 'chroma:x': 2 }), name).toBe(1)
      expect(await backend.count({ 'chroma:x': { $gte: 1 } }), name).toBe(2)
      expect(await backend.count({ 'chroma:document': { $exists: true } }), name).toBe(1)
      const hits = await backend.search([0, 1], 5, { 'chroma:document': 'doc', plain: 1 })
      expect(
        hits.map((hit) => hit.id),
        name,
      ).toEqual(['a'])
      // A rewrite without the keys drops them for reads and filters alike.
      await backend.upsert('a', [1, 0], { plain: 1 })
      expect(await backend.count(only('{"__proto__": {"$exists": true}}')), name).toBe(1)
      expect(await backend.count({ 'chroma:x': 2 }), name).toBe(0)
      expect((await backend.getByIds(['a']))[0]?.payload, name).toEqual({ plain: 1 })
      await backend.upsert('a', [1, 0], RESERVED)
      await backend.deleteWhere(only('{"__proto__": "p"}'))
      expect(
        (await backend.listWhere({}, 10)).map((entry) => entry.id),
        name,
      ).toEqual(['b', 'n'])
    } finally {
      await backend.close()
    }
  })
})
