import { describe, expect, it } from 'vitest'
import { parseRecord, recordLiteral } from '../../src/pgvector/schema-sql.js'
import { parseTunedSetting, tunedSearchOptions } from '../../src/pgvector/tuned-setting.js'

const setting = {
  parameter: 'ef_search',
  value: 120,
  targetRecall: 0.95,
  recall: 0.962,
  k: 10,
  queries: 50,
  measuredAt: '2026-01-02T03:04:05.000Z',
} as const

describe('the tuned setting in the table record', () => {
  it('round-trips through the column comment with the rest of the record', () => {
    const literal = recordLiteral({ metric: 'cosine', dimensions: 384, tuned: setting })
    const comment = literal.slice(1, -1).replaceAll("''", "'")
    expect(parseRecord(comment)).toEqual({ metric: 'cosine', dimensions: 384, tuned: setting })
  })

  it('drops a malformed setting and keeps the rest of the record', () => {
    for (const bad of [
      { ...setting, parameter: 'lists' },
      { ...setting, value: 0 },
      { ...setting, value: 1001 },
      { ...setting, value: 12.5 },
      { ...setting, recall: 1.2 },
      { ...setting, targetRecall: '0.9' },
      { ...setting, measuredAt: 'yesterday' },
      { ...setting, k: undefined },
      'ef_search=40',
      null,
    ]) {
      expect(parseTunedSetting(bad), JSON.stringify(bad)).toBeUndefined()
      const comment = `vecstore ${JSON.stringify({ metric: 'l2', tuned: bad })}`
      expect(parseRecord(comment)).toEqual({ metric: 'l2' })
    }
  })

  it('applies only to the kind of index it was measured on', () => {
    expect(tunedSearchOptions(setting, 'hnsw')).toEqual({ efSearch: 120 })
    expect(tunedSearchOptions(setting, 'ivfflat')).toEqual({})
    // pgvector's default is the server's: no SET LOCAL (nor transaction) for it.
    expect(tunedSearchOptions({ ...setting, value: 40 }, 'hnsw')).toEqual({})
    expect(tunedSearchOptions(setting, undefined)).toEqual({})
    expect(tunedSearchOptions({ ...setting, parameter: 'probes', value: 8 }, 'ivfflat')).toEqual({
      probes: 8,
    })
  })
})
