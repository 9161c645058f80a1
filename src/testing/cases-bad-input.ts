import assert from 'node:assert/strict'
import type { VectorBackend, VectorRecord } from '../core/backend.js'
import {
  DimensionMismatchError,
  EmptyFilterError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
  InvalidPayloadError,
  InvalidVectorError,
  type VectorStoreError,
} from '../core/errors.js'
import type { Filter } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import type { DistanceMetric } from '../core/metric.js'
import { compareIds } from '../core/validate.js'
import { observe, rejectsWith } from './assertions.js'
import type { ConformanceSettings } from './conformance.js'
import {
  type BackendFactory,
  type Capability,
  capability,
  type TestHarness,
  withBackend,
} from './harness.js'

type ErrorClass = abstract new (...args: never[]) => VectorStoreError
type BadCall = [
  name: string,
  call: (backend: VectorBackend) => Promise<unknown>,
  error: ErrorClass,
  needs?: Capability,
]

const circular: Record<string, unknown> = {}
circular['self'] = circular
const deep = JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown
const asPayload = (value: unknown) => value as Payload
const asFilter = (value: unknown) => value as Filter
const asVector = (value: unknown) => value as number[]

/** Every bad call must throw its documented error and change nothing. */
export const BAD_CALLS: readonly BadCall[] = [
  ['NaN in a vector', (b) => b.upsert('n', [1, Number.NaN, 0], {}), InvalidVectorError],
  [
    'Infinity in a vector',
    (b) => b.upsert('n', [1, Number.POSITIVE_INFINITY, 0], {}),
    InvalidVectorError,
  ],
  [
    '-Infinity in a query',
    (b) => b.search([1, Number.NEGATIVE_INFINITY, 0], 1, {}),
    InvalidVectorError,
  ],
  ['a value beyond float32', (b) => b.upsert('n', [1, 1e39, 0], {}), InvalidVectorError],
  [
    'a vector whose squared length overflows float32',
    (b) => b.upsert('n', [1e20, 1e20, 0], {}),
    InvalidVectorError,
  ],
  [
    'a cosine vector whose squared length underflows',
    (b) => b.upsert('n', [1e-25, 0, 0], {}),
    InvalidVectorError,
  ],
  ['an empty vector', (b) => b.upsert('n', [], {}), InvalidVectorError],
  ['a string as vector', (b) => b.upsert('n', asVector('1,2,3'), {}), InvalidVectorError],
  ['a string inside a vector', (b) => b.upsert('n', asVector([1, '2', 3]), {}), InvalidVectorError],
  ['a wrong-length vector', (b) => b.upsert('n', [1, 2], {}), DimensionMismatchError],
  ['a wrong-length query', (b) => b.search([1, 2, 3, 4], 1, {}), DimensionMismatchError],
  ['a one-dimensional query', (b) => b.search([1], 1, {}), DimensionMismatchError],
  [
    'a Float32Array of the wrong length',
    (b) => b.upsert('n', new Float32Array(4).fill(1), {}),
    DimensionMismatchError,
  ],
  [
    'a NaN in a Float32Array',
    (b) => b.upsert('n', Float32Array.of(1, Number.NaN, 0), {}),
    InvalidVectorError,
  ],
  ['null inside a vector', (b) => b.upsert('n', asVector([1, null, 0]), {}), InvalidVectorError],
  ['null as vector', (b) => b.search(asVector(null), 1, {}), InvalidVectorError],
  ['an empty id', (b) => b.upsert('', [1, 0, 0], {}), InvalidIdError],
  ['an oversized id', (b) => b.upsert('x'.repeat(257), [1, 0, 0], {}), InvalidIdError],
  ['a number as id', (b) => b.upsert(42 as unknown as string, [1, 0, 0], {}), InvalidIdError],
  ['a NUL in an id', (b) => b.upsert('a\u0000b', [1, 0, 0], {}), InvalidIdError],
  ['an unpaired surrogate in an id', (b) => b.upsert('a\ud800', [1, 0, 0], {}), InvalidIdError],
  ['an empty id to delete', (b) => b.delete(''), InvalidIdError],
  ['an oversized id to delete', (b) => b.delete('x'.repeat(257)), InvalidIdError],
  ['a lone low surrogate in an id', (b) => b.upsert('\udc00a', [1, 0, 0], {}), InvalidIdError],
  ['a byte-order mark opening an id', (b) => b.upsert('\ufeffa', [1, 0, 0], {}), InvalidIdError],
  [
    'getByIds with an empty id among good ones',
    (b) => getByIds(b, ['ok', '']),
    InvalidIdError,
    'getByIds',
  ],
  ['getByIds with ids not in an array', (b) => getByIds(b, 'ok'), InvalidArgumentError, 'getByIds'],
  [
    'getByIds with too many ids',
    (b) =>
      getByIds(
        b,
        Array.from({ length: 10_001 }, (_, i) => `id${i}`),
      ),
    InvalidArgumentError,
    'getByIds',
  ],
  [
    'undefined as id',
    (b) => b.upsert(undefined as unknown as string, [1, 0, 0], {}),
    InvalidIdError,
  ],
  ['an oversized after', (b) => b.listWhere({}, 5, { after: 'x'.repeat(257) }), InvalidIdError],
  ['an array as payload', (b) => b.upsert('n', [1, 0, 0], asPayload([1])), InvalidPayloadError],
  ['null as payload', (b) => b.upsert('n', [1, 0, 0], asPayload(null)), InvalidPayloadError],
  [
    'undefined in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ a: undefined })),
    InvalidPayloadError,
  ],
  [
    'a function in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ f: () => 1 })),
    InvalidPayloadError,
  ],
  ['NaN in a payload', (b) => b.upsert('n', [1, 0, 0], { x: Number.NaN }), InvalidPayloadError],
  [
    'a Date in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ d: new Date() })),
    InvalidPayloadError,
  ],
  [
    'a bigint in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ n: 1n })),
    InvalidPayloadError,
  ],
  [
    'a Map in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ m: new Map() })),
    InvalidPayloadError,
  ],
  ['a circular payload', (b) => b.upsert('n', [1, 0, 0], asPayload(circular)), InvalidPayloadError],
  [
    'a payload nested too deep',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ deep })),
    InvalidPayloadError,
  ],
  [
    'an unpaired surrogate in a payload key',
    (b) => b.upsert('n', [1, 0, 0], { ['k\ud800']: 1 }),
    InvalidPayloadError,
  ],
  ['Infinity in a payload', (b) => b.upsert('n', [1, 0, 0], { x: Infinity }), InvalidPayloadError],
  [
    'a symbol in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ s: Symbol('s') })),
    InvalidPayloadError,
  ],
  [
    'a class instance in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ u: new URL('http://x') })),
    InvalidPayloadError,
  ],
  [
    'a typed array in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ v: new Float32Array(2) })),
    InvalidPayloadError,
  ],
  [
    'an array with holes in a payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload({ a: new Array(3) })),
    InvalidPayloadError,
  ],
  [
    'a Date as payload',
    (b) => b.upsert('n', [1, 0, 0], asPayload(new Date())),
    InvalidPayloadError,
  ],
  [
    'a NUL in a payload string',
    (b) => b.upsert('n', [1, 0, 0], { s: 'a\u0000' }),
    InvalidPayloadError,
  ],
  [
    'an unknown operator',
    (b) => b.search([1, 0, 0], 1, asFilter({ a: { $regex: '.*' } })),
    InvalidFilterError,
  ],
  ['a string to $gt', (b) => b.count(asFilter({ a: { $gt: 'x' } })), InvalidFilterError],
  ['a non-array to $in', (b) => b.listWhere(asFilter({ a: { $in: 'x' } }), 5), InvalidFilterError],
  ['an object to compare', (b) => b.count(asFilter({ a: { b: 1 } })), InvalidFilterError],
  ['an empty $and', (b) => b.count({ $and: [] }), InvalidFilterError],
  ['a key with a quote', (b) => b.count({ "a'b": 1 }), InvalidFilterError],
  ['a key with SQL', (b) => b.deleteWhere({ 'a; DROP TABLE x; --': 1 }), InvalidFilterError],
  ['a key starting with $', (b) => b.count(asFilter({ $where: 1 })), InvalidFilterError],
  ['a key with a double quote', (b) => b.count({ 'a"b': 1 }), InvalidFilterError],
  ['a key with a semicolon', (b) => b.listWhere({ 'a;b': 1 }, 5), InvalidFilterError],
  ['a key that is a SQL comment', (b) => b.count({ '--': 1 }), InvalidFilterError],
  ['a key that is a bind parameter', (b) => b.count(asFilter({ $1: 1 })), InvalidFilterError],
  ["a key with ' OR '1'='1", (b) => b.deleteWhere({ "a' OR '1'='1": 1 }), InvalidFilterError],
  ['a key with a space', (b) => b.search([1, 0, 0], 1, { 'a b': 1 }), InvalidFilterError],
  ['an empty key', (b) => b.count({ '': 1 }), InvalidFilterError],
  ['an oversized key', (b) => b.count({ ['k'.repeat(129)]: 1 }), InvalidFilterError],
  ['an operator as a key', (b) => b.count(asFilter({ $in: [1] })), InvalidFilterError],
  [
    'an unknown operator $where',
    (b) => b.count(asFilter({ a: { $where: 'sleep(1)' } })),
    InvalidFilterError,
  ],
  [
    'an unknown operator $like',
    (b) => b.count(asFilter({ a: { $like: '%' } })),
    InvalidFilterError,
  ],
  [
    'an unknown operator inside $or',
    (b) => b.deleteWhere(asFilter({ $or: [{ a: 1 }, { a: { $contains: 1 } }] })),
    InvalidFilterError,
  ],
  ['NaN to $gte', (b) => b.count(asFilter({ a: { $gte: Number.NaN } })), InvalidFilterError],
  ['Infinity to $lt', (b) => b.count(asFilter({ a: { $lt: Infinity } })), InvalidFilterError],
  ['an object in $in', (b) => b.count(asFilter({ a: { $in: [{ b: 1 }] } })), InvalidFilterError],
  ['a string to $exists', (b) => b.count(asFilter({ a: { $exists: 'yes' } })), InvalidFilterError],
  [
    'a filter nested too deep',
    (b) => b.count(asFilter(JSON.parse('{"$and":['.repeat(20) + '{"a":1}' + ']}'.repeat(20)))),
    InvalidFilterError,
  ],
  ['a string as filter', (b) => b.count(asFilter('a = 1')), InvalidFilterError],
  ['an array as filter', (b) => b.count(asFilter([])), InvalidFilterError],
  ['deleteWhere({})', (b) => b.deleteWhere({}), EmptyFilterError],
  [
    'deleteWhere with only undefined values',
    (b) => b.deleteWhere({ a: undefined }),
    EmptyFilterError,
  ],
  ['deleteWhere({ $and: [{}] })', (b) => b.deleteWhere({ $and: [{}] }), InvalidFilterError],
  [
    'deleteWhere({ $or: [{}, ...] })',
    (b) => b.deleteWhere({ $or: [{}, { a: 1 }] }),
    InvalidFilterError,
  ],
  ['topK 0', (b) => b.search([1, 0, 0], 0, {}), InvalidArgumentError],
  ['a negative topK', (b) => b.search([1, 0, 0], -1, {}), InvalidArgumentError],
  ['a fractional topK', (b) => b.search([1, 0, 0], 1.5, {}), InvalidArgumentError],
  ['a huge topK', (b) => b.search([1, 0, 0], 1e9, {}), InvalidArgumentError],
  ['topK one past the bound', (b) => b.search([1, 0, 0], 10_001, {}), InvalidArgumentError],
  ['an Infinity topK', (b) => b.search([1, 0, 0], Infinity, {}), InvalidArgumentError],
  ['a NaN topK', (b) => b.search([1, 0, 0], Number.NaN, {}), InvalidArgumentError],
  ['a string topK', (b) => b.search([1, 0, 0], '5' as unknown as number, {}), InvalidArgumentError],
  ['a negative limit', (b) => b.listWhere({}, -5), InvalidArgumentError],
  ['a zero limit', (b) => b.listWhere({}, 0), InvalidArgumentError],
  ['a NaN limit', (b) => b.listWhere({}, Number.NaN), InvalidArgumentError],
  [
    'a minScore that is not a finite number',
    (b) => b.search([1, 0, 0], 1, {}, { minScore: Number.NaN }),
    InvalidArgumentError,
  ],
  ['an empty after', (b) => b.listWhere({}, 5, { after: '' }), InvalidIdError],
  [
    'a batch with one bad record',
    (b) =>
      upsertMany(b, [
        good('m1'),
        good('m2'),
        { id: 'm3', vector: [1, Number.NaN, 0], payload: {} },
      ]),
    InvalidVectorError,
    'upsertMany',
  ],
  [
    'a batch of mixed dimensions',
    (b) => upsertMany(b, [good('m1'), { id: 'm2', vector: [1, 0], payload: {} }]),
    DimensionMismatchError,
    'upsertMany',
  ],
]

/** Valid strings that carry SQL, JSON and Unicode hazards: stored and matched as they are. */
export const HOSTILE_STRINGS: readonly string[] = [
  "'; DROP TABLE vecstore_vectors; --",
  "x' OR 'x'='x",
  '"; DELETE FROM "t"; --',
  '$1',
  '$$',
  '%_\\',
  '{"$ne":null}',
  'e\u0301',
  '\u202eevil',
  '👩‍👩‍👧',
  // Not a leading U+FEFF: PGlite's text decoding strips it from the start of a value.
  'bom\ufeff\u200b',
  'line\nbreak\ttab',
  'x'.repeat(256),
]
const HUGE_STRING = 'ä'.repeat(100_000)

function good(id: string) {
  return { id, vector: [1, 2, 3], payload: { id } }
}

// Cases calling these run only when the backend declares the capability.
function upsertMany(backend: VectorBackend, records: readonly VectorRecord[]): Promise<void> {
  return capability(backend, 'upsertMany')(records)
}

function getByIds(backend: VectorBackend, ids: unknown): Promise<unknown> {
  return (capability(backend, 'getByIds') as (ids: unknown) => Promise<unknown>)(ids)
}

export function badInputCases(
  factory: BackendFactory,
  { describe, it }: TestHarness,
  settings: ConformanceSettings,
): void {
  describe('bad input is refused with a typed error and changes nothing', () => {
    for (const [name, call, errorClass, needs] of BAD_CALLS) {
      if (needs !== undefined && !settings.capabilities.has(needs)) continue
      it(
        name,
        () =>
          withBackend(factory, { metric: 'cosine' }, async (backend) => {
            await backend.upsert('keep1', [1, 0, 0], { a: 1 })
            await backend.upsert('keep2', [0, 1, 0], { a: 2 })
            const before = await observe(backend, [1, 1, 0])
            await rejectsWith(() => call(backend), errorClass, name)
            assert.deepEqual(await observe(backend, [1, 1, 0]), before, `${name} changed the index`)
          }),
        settings.timeoutMs,
      )
    }

    it(
      'hostile but valid ids, keys and values are stored and matched literally',
      () =>
        withBackend(factory, { metric: 'cosine' }, async (backend) => {
          const hostile = HOSTILE_STRINGS.map((text, i) => ({
            id: text,
            vector: [1, i + 1, 0],
            payload: { s: text, [text]: i, n: i, big: i === 0 ? HUGE_STRING : 'small' },
          }))
          for (const { id, vector, payload } of hostile) await backend.upsert(id, vector, payload)
          const listed = await backend.listWhere({}, 100)
          assert.deepEqual(
            listed.map((e) => e.id),
            [...HOSTILE_STRINGS].sort(compareIds),
            'ids listed',
          )
          for (const entry of listed) {
            const i = HOSTILE_STRINGS.indexOf(entry.id)
            assert.deepEqual(
              entry.payload,
              hostile[i]?.payload,
              `payload of ${JSON.stringify(entry.id)}`,
            )
          }
          for (const [i, text] of HOSTILE_STRINGS.entries()) {
            assert.equal(await backend.count({ s: text }), 1, `count s=${JSON.stringify(text)}`)
            assert.deepEqual(
              (await backend.search([1, i + 1, 0], 1, { s: { $in: [text] } })).map((h) => h.id),
              [text],
            )
          }
          assert.equal(await backend.count({ s: "' OR '1'='1" }), 0)
          assert.equal(
            await backend.count({ s: { $ne: HOSTILE_STRINGS[0] as string } }),
            HOSTILE_STRINGS.length - 1,
          )
          await backend.deleteWhere({ s: "y' OR 'y'='y" })
          await backend.deleteWhere({ n: { $in: ['1', '$1', '*'] } })
          assert.equal(await backend.count({}), HOSTILE_STRINGS.length, 'nothing deleted')
          await backend.delete(HOSTILE_STRINGS[1] as string)
          assert.equal(await backend.count({}), HOSTILE_STRINGS.length - 1)
        }),
      settings.timeoutMs,
    )

    it(
      'the zero vector is refused under COSINE only',
      async () => {
        await withBackend(factory, { metric: 'cosine' }, async (backend) => {
          await rejectsWith(
            () => backend.upsert('z', [0, 0, 0], {}),
            InvalidVectorError,
            'cosine write',
          )
          await backend.upsert('a', [1, 0, 0], {})
          await rejectsWith(
            () => backend.search([0, 0, 0], 1, {}),
            InvalidVectorError,
            'cosine query',
          )
          assert.equal(await backend.count({}), 1)
        })
        for (const metric of ['l2', 'ip'] as DistanceMetric[]) {
          await withBackend(factory, { metric }, async (backend) => {
            await backend.upsert('z', [0, 0, 0], {})
            assert.equal((await backend.search([0, 0, 0], 1, {}))[0]?.id, 'z')
          })
        }
      },
      settings.timeoutMs,
    )
  })
}
