import { describe, expect, it } from 'vitest'
import { ROUND_TRIP_PAYLOAD } from '../../src/testing/fixtures.js'
import {
  DEAD,
  fromMetadata,
  markGoneKeys,
  NULL_VALUE,
  PAYLOAD_KEY,
  storedKey,
  toMetadata,
} from '../../src/chroma/payload-mapping.js'

describe('payload mapping', () => {
  it('stores each filterable key with its marks, and the JSON when metadata cannot rebuild it', () => {
    const metadata = toMetadata(ROUND_TRIP_PAYLOAD)
    expect(JSON.parse(metadata[PAYLOAD_KEY] as string)).toEqual(ROUND_TRIP_PAYLOAD)
    expect([metadata['text'], metadata['@text']]).toEqual([ROUND_TRIP_PAYLOAD['text'], true])
    expect([metadata['int'], metadata['@int'], metadata['@int#f']]).toEqual([-42, true, undefined])
    expect([metadata['float'], metadata['@float'], metadata['@float#f']]).toEqual([0.1, true, true])
    expect([metadata['big'], metadata['@big#f']]).toEqual([1e300, true])
    expect([metadata['yes'], metadata['@yes']]).toEqual([true, true])
    expect([metadata['nothing'], metadata['@nothing']]).toEqual([NULL_VALUE, true])
    expect([metadata['list'], metadata['@list']]).toEqual([DEAD, true])
    expect([metadata['nested'], metadata['@nested']]).toEqual([DEAD, true])
    // The empty key cannot be named by a filter: it lives in the JSON only.
    expect(Object.hasOwn(metadata, '')).toBe(false)
  })

  it('leaves the JSON out when the metadata rebuilds the payload', () => {
    const payload = { s: 'x', i: 2 ** 62, f: -0.5, big: 1e300, t: true, n: null }
    const metadata = toMetadata(payload)
    expect(Object.keys(metadata).sort()).toEqual([
      '@big',
      '@big#f',
      '@f',
      '@f#f',
      '@i',
      '@n',
      '@s',
      '@t',
      'big',
      'f',
      'i',
      'n',
      's',
      't',
    ])
    expect(fromMetadata(JSON.parse(JSON.stringify(metadata)))).toEqual(payload)
    expect(toMetadata({})).toEqual({ [PAYLOAD_KEY]: '{}' })
  })

  it('round-trips through metadata, including a key named __proto__', () => {
    const payload = JSON.parse('{"__proto__": "p", "a b": 1, "$x": [null]}')
    const metadata = toMetadata(payload)
    expect(fromMetadata(metadata)).toEqual(payload)
    expect(fromMetadata(null)).toEqual({})
  })

  it('escapes the keys the server reserves (chroma:*, __proto__), so they are stored and read back', () => {
    const payload = JSON.parse('{"__proto__": 1, "chroma:document": "d", "a": true}')
    const metadata = toMetadata(payload)
    expect(Object.keys(metadata).sort()).toEqual([
      '@:__proto__',
      '@:chroma:document',
      '@__proto__',
      '@a',
      '@chroma:document',
      'a',
    ])
    expect([storedKey('__proto__'), storedKey('chroma:x'), storedKey('xchroma:')]).toEqual([
      '@:__proto__',
      '@:chroma:x',
      'xchroma:',
    ])
    // Through JSON, as the server returns metadata: the escaped keys come back as payload keys.
    const read = fromMetadata(JSON.parse(JSON.stringify(metadata)))
    expect(read).toEqual(payload)
    expect(Object.hasOwn(read, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
  })

  it('reads entries written by other tools from their scalar metadata', () => {
    expect(fromMetadata({ a: 1, b: 'x', '@a': true, c: DEAD })).toEqual({ a: 1, b: 'x' })
  })

  it('marks the keys a rewrite drops, so filters stop seeing them', () => {
    const next = toMetadata({ a: 1 })
    markGoneKeys(next, toMetadata({ a: 2.5, b: 'x', c: [1], d: true }))
    expect(next).toMatchObject({ a: 1, '@a': true, '@a#f': false, b: DEAD, '@b': false })
    expect(next).toMatchObject({ c: DEAD, '@c': false, d: DEAD, '@d': false, [PAYLOAD_KEY]: DEAD })
    expect(fromMetadata(next)).toEqual({ a: 1 })
  })
})
