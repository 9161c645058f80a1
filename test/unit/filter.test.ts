import { describe, expect, it } from 'vitest'
import { isEmptyFilter, parseFilter } from '../../src/core/filter.js'
import { InvalidFilterError, matchesFilter } from '../../src/index.js'
import { FILTER_TABLE } from '../../src/testing/cases-filters.js'
import { FILTER_PAYLOADS } from '../../src/testing/fixtures.js'

describe('parseFilter', () => {
  it('normalizes the flat form to an AND of equalities', () => {
    expect(parseFilter({ a: 1, b: 'x' })).toEqual({
      kind: 'and',
      children: [
        { kind: 'compare', key: 'a', op: 'eq', value: 1 },
        { kind: 'compare', key: 'b', op: 'eq', value: 'x' },
      ],
    })
  })

  it('keeps a single condition unwrapped and the empty filter empty', () => {
    expect(parseFilter({ a: { $exists: false } })).toEqual({
      kind: 'exists',
      key: 'a',
      exists: false,
    })
    expect(isEmptyFilter(parseFilter({}))).toBe(true)
    expect(isEmptyFilter(parseFilter({ a: 1 }))).toBe(false)
  })

  it('ignores keys whose value is undefined, as JSON would', () => {
    expect(isEmptyFilter(parseFilter({ a: undefined }))).toBe(true)
  })

  it.each([
    ['unknown operator', { a: { $like: 'x' } }],
    ['non-finite range operand', { a: { $gt: Number.POSITIVE_INFINITY } }],
    ['object operand', { a: { $eq: { b: 1 } } }],
    ['array as equality value', { a: [1, 2] }],
    ['empty $or', { $or: [] }],
    ['non-array $and', { $and: { a: 1 } }],
    ['non-boolean $exists', { a: { $exists: 1 } }],
    ['empty operator object', { a: {} }],
    ['key with a space', { 'a b': 1 }],
    ['key starting with a separator', { '.a': 1 }],
    ['key longer than 128', { ['k'.repeat(129)]: 1 }],
    ['a string', 'a = 1'],
    ['null', null],
  ])('refuses %s', (_, filter) => {
    expect(() => parseFilter(filter)).toThrow(InvalidFilterError)
  })

  it('refuses nesting deeper than the limit', () => {
    let filter: object = { a: 1 }
    for (let i = 0; i < 20; i++) filter = { $and: [filter] }
    expect(() => parseFilter(filter)).toThrow(/deeper than/)
  })

  it('accepts unicode keys', () => {
    expect(matchesFilter(parseFilter({ título: 'x' }), { título: 'x' })).toBe(true)
  })
})

describe('matchesFilter (the reference evaluator)', () => {
  it.each(FILTER_TABLE)('%s', (_, filter, expected) => {
    const matched = Object.entries(FILTER_PAYLOADS)
      .filter(([, payload]) => matchesFilter(parseFilter(filter), payload))
      .map(([id]) => id)
    expect(matched).toEqual(expected)
  })

  it('does not read inherited properties', () => {
    expect(matchesFilter(parseFilter({ toString: { $exists: true } }), {})).toBe(false)
    expect(matchesFilter(parseFilter({ constructor: { $ne: 1 } }), {})).toBe(false)
  })
})
