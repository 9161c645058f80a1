import assert from 'node:assert/strict'
import type { IndexChange, IndexRecord, VectorBackend } from '../core/backend.js'
import {
  DimensionMismatchError,
  type VectorStoreError,
  InvalidArgumentError,
  InvalidIdError,
  InvalidPayloadError,
  NotInitializedError,
} from '../core/errors.js'
import { compareIds } from '../core/validate.js'
import { ids, observe, rejectsWith } from './assertions.js'
import type { ConformanceSettings } from './conformance.js'
import {
  type BackendFactory,
  capability,
  recordMethods,
  type TestHarness,
  withBackend,
} from './harness.js'

type ErrorClass = abstract new (...args: never[]) => VectorStoreError

const NESTED = { hash: 'h1', chunks: ['a', 'b'], meta: { deep: { list: [1, 2.5, null, true] } } }

/** Cases of the `records` capability: entries and records changed together. */
export function recordCases(
  factory: BackendFactory,
  { describe, it }: TestHarness,
  settings: ConformanceSettings,
): void {
  if (!settings.capabilities.has('records')) return
  const test = (name: string, body: (backend: VectorBackend) => Promise<void>) =>
    it(name, () => withBackend(factory, { metric: 'cosine' }, body), settings.timeoutMs)

  describe('records', () => {
    test('applyChange writes entries and records; getRecords reads them back in the order asked', async (backend) => {
      const records = recordMethods(backend)
      assert.equal(typeof records.atomicChanges, 'boolean')
      await records.applyChange({
        upsert: [
          { id: 'doc#0', vector: [1, 0, 0], payload: { doc: 'doc' } },
          { id: 'doc#1', vector: [0, 1, 0], payload: { doc: 'doc' } },
        ],
        putRecords: [
          { key: '|doc', value: NESTED },
          { key: '|other', value: {} },
        ],
      })
      assert.equal(await backend.count({ doc: 'doc' }), 2)
      assert.deepEqual(await records.getRecords(['|other', 'missing', '|doc']), [
        { key: '|other', value: {} },
        { key: '|doc', value: NESTED },
      ])
      assert.deepEqual(await records.getRecords([]), [])
    })

    test('deletes run before writes; records are replaced whole and deleted', async (backend) => {
      const records = recordMethods(backend)
      await records.applyChange({
        upsert: [
          { id: 'a', vector: [1, 0, 0], payload: { v: 1 } },
          { id: 'b', vector: [0, 1, 0], payload: { v: 1 } },
        ],
        putRecords: [
          { key: 'k1', value: { old: true, n: 1 } },
          { key: 'k2', value: { n: 2 } },
        ],
      })
      await records.applyChange({
        delete: ['a', 'b', 'missing'],
        upsert: [{ id: 'b', vector: [0, 0, 1], payload: { v: 2 } }],
        putRecords: [{ key: 'k1', value: { n: 3 } }],
        deleteRecords: ['k2', 'missing'],
      })
      const listed = await backend.listWhere({}, 10)
      assert.deepEqual(listed, [{ id: 'b', payload: { v: 2 } }])
      assert.deepEqual(await records.getRecords(['k1', 'k2']), [{ key: 'k1', value: { n: 3 } }])
      assert.deepEqual(ids(await backend.search([0, 0, 1], 5, {})), ['b'])
    })

    test('listRecords pages by prefix in code point order', async (backend) => {
      const records = recordMethods(backend)
      const keys = ['t=1|b', 't=1|a', 't=1|B', 't=1|é', 't=2|a', '|x', 't=1|a~2']
      await records.applyChange({ putRecords: keys.map((key) => ({ key, value: { key } })) })
      const inScope = keys.filter((key) => key.startsWith('t=1|')).sort(compareIds)
      const first = await records.listRecords({ prefix: 't=1|', limit: 2 })
      assert.deepEqual(keysOf(first), inScope.slice(0, 2))
      const rest = await records.listRecords({ prefix: 't=1|', limit: 10, after: 't=1|a' })
      assert.deepEqual(keysOf(rest), inScope.slice(2))
      assert.deepEqual(
        keysOf(await records.listRecords({ limit: 100 })),
        [...keys].sort(compareIds),
      )
      assert.deepEqual(rest[0]?.value, { key: inScope[2] })
    })

    test('a bad change is refused whole: nothing is written', async (backend) => {
      const records = recordMethods(backend)
      await records.applyChange({
        upsert: [{ id: 'kept', vector: [1, 0, 0], payload: {} }],
        putRecords: [{ key: 'kept', value: { n: 1 } }],
      })
      const before = await observe(backend, [1, 0, 0])
      const entry = { id: 'new', vector: [0, 1, 0], payload: {} }
      const bad: [string, IndexChange, ErrorClass][] = [
        [
          'a wrong dimension',
          { upsert: [entry, { id: 'x', vector: [1, 0], payload: {} }] },
          DimensionMismatchError,
        ],
        [
          'a bad record key',
          { upsert: [entry], putRecords: [{ key: '', value: {} }] },
          InvalidIdError,
        ],
        [
          'a record value that is not an object',
          { upsert: [entry], putRecords: [{ key: 'k', value: [1] as never }] },
          InvalidPayloadError,
        ],
        ['a bad id to delete', { delete: ['kept', ''], upsert: [entry] }, InvalidIdError],
        ['a change that is not an object', null as never, InvalidArgumentError],
      ]
      for (const [what, change, errorClass] of bad) {
        await rejectsWith(() => records.applyChange(change), errorClass, what)
      }
      assert.deepEqual(await observe(backend, [1, 0, 0]), before)
      assert.deepEqual(await records.getRecords(['kept', 'k']), [{ key: 'kept', value: { n: 1 } }])
    })

    if (settings.capabilities.has('clearAll'))
      test('clearAll deletes the records too', async (backend) => {
        const records = recordMethods(backend)
        await records.applyChange({
          upsert: [{ id: 'a', vector: [1, 0, 0], payload: {} }],
          putRecords: [{ key: 'k', value: {} }],
        })
        await capability(backend, 'clearAll')()
        assert.deepEqual(await records.listRecords({ limit: 10 }), [])
        assert.equal(await backend.count({}), 0)
      })

    if (settings.capabilities.has('close'))
      test('every record call after close fails with NotInitializedError', async (backend) => {
        const records = recordMethods(backend)
        await capability(backend, 'close')()
        await rejectsWith(() => records.getRecords(['k']), NotInitializedError, 'getRecords')
        await rejectsWith(() => records.listRecords({ limit: 1 }), NotInitializedError, 'list')
        await rejectsWith(
          () => records.applyChange({ putRecords: [{ key: 'k', value: {} }] }),
          NotInitializedError,
          'applyChange',
        )
      })
  })
}

function keysOf(records: readonly IndexRecord[]): string[] {
  return records.map((record) => record.key)
}
