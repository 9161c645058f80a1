import { describe, expect, it } from 'vitest'
import {
  DimensionMismatchError,
  InvalidArgumentError,
  InvalidVectorError,
  VectorStoreError,
  compareIds,
} from '../../src/index.js'
import { parseMetric, referenceScore } from '../../src/core/metric.js'
import { validateCount, validatePayload, validateVector } from '../../src/core/validate.js'

describe('validateVector', () => {
  it('returns float32 copies', () => {
    const out = validateVector([0.1, 2], undefined, 'l2')
    expect(out).toBeInstanceOf(Float32Array)
    expect(out[0]).toBe(Math.fround(0.1))
  })

  it('names the dimensions in DimensionMismatchError, never the values', () => {
    let error: DimensionMismatchError | undefined
    try {
      validateVector([0.123456, 0.654321], 3, 'l2')
    } catch (e) {
      error = e as DimensionMismatchError
    }
    expect(error).toBeInstanceOf(DimensionMismatchError)
    expect(error?.code).toBe('DIMENSION_MISMATCH')
    expect(error?.message).toBe('expected a vector of 3 dimensions, got 2')
  })

  it('does not put vector values in messages', () => {
    expect(() => validateVector([0.987654, Number.NaN], undefined, 'l2')).toThrow(/index 1/)
    expect(() => validateVector([0.987654, Number.NaN], undefined, 'l2')).not.toThrow(/0\.987654/)
  })

  it('refuses more than 16000 dimensions', () => {
    expect(() => validateVector(new Float32Array(16_001).fill(1), undefined, 'l2')).toThrow(
      InvalidVectorError,
    )
  })
})

describe('validatePayload', () => {
  it('accepts null-prototype objects and refuses class instances', () => {
    expect(validatePayload(Object.assign(Object.create(null), { a: 1 }))).toEqual({ a: 1 })
    class Thing {
      a = 1
    }
    expect(() => validatePayload({ t: new Thing() })).toThrow(/instance of Thing/)
  })

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { x: 1 }
    expect(() => validatePayload({ a: shared, b: shared })).not.toThrow()
  })
})

describe('metrics and counts', () => {
  it('refuses an unknown metric instead of falling through', () => {
    expect(() => parseMetric('dot')).toThrow(InvalidArgumentError)
    expect(parseMetric('ip')).toBe('ip')
  })

  it('computes the spec scores', () => {
    expect(referenceScore('cosine', [1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 12)
    expect(referenceScore('l2', [0, 0], [3, 4])).toBeCloseTo(1 / 6, 12)
    expect(referenceScore('ip', [1, 2], [3, -4])).toBe(-5)
  })

  it('bounds topK and limit', () => {
    expect(validateCount('topK', 10_000)).toBe(10_000)
    expect(() => validateCount('topK', 10_001)).toThrow(InvalidArgumentError)
  })

  it('every error is a VectorStoreError with a code', () => {
    const error = new InvalidArgumentError('x')
    expect(error).toBeInstanceOf(VectorStoreError)
    expect(error.name).toBe('InvalidArgumentError')
    expect(error.code).toBe('INVALID_ARGUMENT')
  })
})

describe('compareIds', () => {
  it('orders by code point, as UTF-8 bytes and Postgres COLLATE "C" do', () => {
    const ids = ['😀', '\uff5a', 'é', 'b9', 'b10', 'a', 'B', 'a\u0001']
    const byBytes = [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    expect([...ids].sort(compareIds)).toEqual(byBytes)
  })
})
