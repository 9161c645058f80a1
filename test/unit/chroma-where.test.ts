import { describe, expect, it } from 'vitest'
import { parseFilter } from '../../src/core/filter.js'
import { type Filter, UnsupportedFilterError } from '../../src/index.js'
import { serverNumberKind } from '../../src/chroma/payload-mapping.js'
import { compileFilter } from '../../src/chroma/where.js'

const compile = (filter: Filter) => compileFilter(parseFilter(filter))
// Presence and the float mark are boolean keys beside the value (see payload-mapping.ts).
const present = (key: string) => ({ [`@${key}`]: { $eq: true } })
const isFloat = (key: string) => ({ [`@${key}#f`]: { $eq: true } })
const NULL = '\u0000null'

// The shapes the compiler emits; the integration tests check their meaning on a real server.
describe('compileFilter', () => {
  it.each<[string, Filter, unknown]>([
    ['no condition', {}, { kind: 'all' }],
    ['one key', { kind: 'a' }, { kind: 'where', where: { kind: { $eq: 'a' } } }],
    [
      'two keys are wrapped in $and',
      { kind: 'a', n: 1 },
      { kind: 'where', where: { $and: [{ kind: { $eq: 'a' } }, { n: { $eq: 1 } }] } },
    ],
    ['null is a reserved value', { t: null }, { kind: 'where', where: { t: { $eq: NULL } } }],
    [
      '$ne also needs presence',
      { s: { $ne: 'x' } },
      { kind: 'where', where: { $and: [present('s'), { s: { $ne: 'x' } }] } },
    ],
    [
      '$ne null is "present and not null"',
      { t: { $ne: null } },
      { kind: 'where', where: { $and: [present('t'), { t: { $ne: NULL } }] } },
    ],
    ['$exists', { t: { $exists: true } }, { kind: 'where', where: present('t') }],
    [
      '$exists false matches missing and removed keys',
      { t: { $exists: false } },
      { kind: 'where', where: { '@t': { $ne: true } } },
    ],
    ['an empty $in matches nothing', { k: { $in: [] } }, { kind: 'none' }],
    ['an empty $nin is presence', { k: { $nin: [] } }, { kind: 'where', where: present('k') }],
    [
      'nothing OR a condition',
      { $or: [{ k: { $in: [] } }, { a: true }] },
      { kind: 'where', where: { a: { $eq: true } } },
    ],
    ['nothing AND a condition', { $and: [{ k: { $in: [] } }, { a: true }] }, { kind: 'none' }],
    [
      '$in is split by type',
      { n: { $in: [1, '1', true, null, 2.5] } },
      {
        kind: 'where',
        where: {
          $or: [
            { n: { $in: ['1'] } },
            { n: { $in: [true] } },
            { n: { $in: [1] } },
            { $and: [{ n: { $in: [2.5] } }, isFloat('n')] },
            { n: { $eq: NULL } },
          ],
        },
      },
    ],
    [
      'a fractional equality only looks at stored doubles',
      { n: 1.5 },
      { kind: 'where', where: { $and: [{ n: { $eq: 1.5 } }, isFloat('n')] } },
    ],
    [
      'a fractional bound splits into doubles and integers',
      { n: { $lt: 2.5 } },
      {
        kind: 'where',
        where: {
          $or: [
            { $and: [{ n: { $lt: 2.5 } }, isFloat('n')] },
            { $and: [{ n: { $lte: 2 } }, { '@n#f': { $ne: true } }] },
          ],
        },
      },
    ],
    [
      'an integral bound is sent as is',
      { n: { $gte: 3 } },
      { kind: 'where', where: { n: { $gte: 3 } } },
    ],
    ['a string with NUL equals nothing', { s: 'a\u0000' }, { kind: 'none' }],
    [
      'a string with NUL differs from every present value',
      { s: { $ne: 'a\u0000' } },
      { kind: 'where', where: present('s') },
    ],
  ])('%s', (_, filter, expected) => {
    expect(compile(filter)).toEqual(expected)
  })

  it('folds a clause that matches everything', () => {
    const all = { kind: 'and', children: [] } as const
    const a = { kind: 'compare', key: 'a', op: 'eq', value: true } as const
    expect(compileFilter({ kind: 'or', children: [all, a] })).toEqual({ kind: 'all' })
    expect(compileFilter({ kind: 'and', children: [all, a] })).toEqual({
      kind: 'where',
      where: { a: { $eq: true } },
    })
  })

  it('refuses operands Chroma would read as u64 instead of answering differently', () => {
    expect(() => compile({ n: 2 ** 63 })).toThrow(UnsupportedFilterError)
    expect(() => compile({ n: { $in: [1, 2 ** 63 + 4096] } })).toThrow(UnsupportedFilterError)
    expect(() => compile({ n: { $gt: 2 ** 64 } })).not.toThrow()
  })
})

describe('serverNumberKind', () => {
  it.each<[number, string]>([
    [0, 'int'],
    [-0, 'int'],
    [2 ** 53, 'int'],
    [2 ** 62, 'int'],
    // JSON prints -(2**63) as -9223372036854776000, below i64: the server reads a double.
    [-(2 ** 63), 'float'],
    [2 ** 63 - 1024, 'int'],
    [2 ** 63, 'u64'],
    [2 ** 64, 'float'],
    [1e21, 'float'],
    [1.5, 'float'],
  ])('%d is read as %s', (value, kind) => {
    expect(serverNumberKind(value)).toBe(kind)
  })
})
