import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../src/index.js'
import { type PgvectorBackendConfig, PgvectorBackend } from '../../src/pgvector/index.js'
import { parseLsn, recordEnd } from '../../src/pgvector/wal-position.js'

const PRIMARY = 'postgres://app:secret@primary.internal:5432/app'

describe('replica options', () => {
  const refused: [string, PgvectorBackendConfig, RegExp][] = [
    ['replicas not an array', { dsn: PRIMARY, replicas: 'postgres://r/app' as never }, /array/],
    ['a replica that is no URL', { dsn: PRIMARY, replicas: ['mysql://r/app'] }, /replicas\[0\]/],
    ['a replica that is no database', { dsn: PRIMARY, replicas: [{} as never] }, /db/],
    ['replicas of embedded PGlite', { pglite: true, replicas: ['postgres://r/app'] }, /pglite/],
    ['replicas of the default PGlite', { replicas: ['postgres://r/app'] }, /pglite/],
    ['readYourWrites not a boolean', { dsn: PRIMARY, readYourWrites: 'yes' as never }, /boolean/],
    ['a negative wait', { dsn: PRIMARY, replicaWaitMs: -1 }, /replicaWaitMs/],
    ['a fractional wait', { dsn: PRIMARY, replicaWaitMs: 1.5 }, /replicaWaitMs/],
    ['a zero retry delay', { dsn: PRIMARY, replicaRetryMs: 0 }, /replicaRetryMs/],
    ['prepare not a boolean', { dsn: PRIMARY, prepare: 'no' as never }, /prepare/],
  ]
  for (const [what, config, message] of refused) {
    it(`refuses ${what} in the constructor, with a message without credentials`, () => {
      let error: unknown
      try {
        new PgvectorBackend(config)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('secret')
    })
  }

  it('accepts replica URLs and Drizzle databases, and an empty list', () => {
    const client = postgres('postgres://r/app', { max: 1 })
    const db = drizzle({ client })
    for (const replicas of [['postgres://r1/app', 'postgresql://r2/app'], [db], []]) {
      expect(
        () => new PgvectorBackend({ dsn: PRIMARY, replicas, readYourWrites: true }),
      ).not.toThrow()
    }
    expect(() => new PgvectorBackend({ db, replicas: [db], replicaWaitMs: 0 })).not.toThrow()
  })
})

describe('WAL positions', () => {
  it('parses pg_lsn text into byte offsets that compare as numbers', () => {
    expect(parseLsn('0/0')).toBe(0n)
    expect(parseLsn('0/3017400')).toBe(0x3017400n)
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n)
    expect((parseLsn('1/0') as bigint) > (parseLsn('0/FFFFFFFF') as bigint)).toBe(true)
    for (const bad of [null, undefined, '', '16', 'x/1', '1/2/3', 12]) {
      expect(parseLsn(bad)).toBeUndefined()
    }
  })

  it('takes the page header off an insert position just past a page boundary', () => {
    const layout = { blockSize: 8192n, segmentSize: 16n * 1024n * 1024n }
    const segment = 5n * layout.segmentSize
    // A new segment starts with a long header (40 bytes), other pages with a short one (24).
    expect(recordEnd(segment + 40n, layout)).toBe(segment)
    expect(recordEnd(segment + 3n * 8192n + 24n, layout)).toBe(segment + 3n * 8192n)
    // Anywhere else a record can end: unchanged (40 bytes into an ordinary page included).
    for (const offset of [48n, 8192n + 40n, 8192n + 4096n, 2n * 8192n + 32n]) {
      expect(recordEnd(segment + offset, layout)).toBe(segment + offset)
    }
  })
})
