import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, RecursiveTextSplitter } from '../../src/index.js'

const words = (n: number, word = 'word') =>
  Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ')

describe('RecursiveTextSplitter', () => {
  it('keeps paragraphs whole when they fit, and packs small ones together', () => {
    const splitter = new RecursiveTextSplitter({ chunkSize: 60, chunkOverlap: 0 })
    const text =
      'First paragraph, short.\n\nSecond one.\n\nA third paragraph that is rather longer than that.'
    expect(splitter.split(text)).toEqual([
      'First paragraph, short.\n\nSecond one.',
      'A third paragraph that is rather longer than that.',
    ])
  })

  it('breaks a long paragraph at sentences, then words, then characters', () => {
    const splitter = new RecursiveTextSplitter({ chunkSize: 30, chunkOverlap: 0 })
    expect(splitter.split('One sentence here. Another sentence there! A third?')).toEqual([
      'One sentence here.',
      'Another sentence there!',
      'A third?',
    ])
    expect(splitter.split('alpha beta gamma delta epsilon zeta eta theta')).toEqual([
      'alpha beta gamma delta epsilon',
      'zeta eta theta',
    ])
    expect(
      new RecursiveTextSplitter({ chunkSize: 4, chunkOverlap: 0 }).split('abcdefghij'),
    ).toEqual(['abcd', 'efgh', 'ij'])
  })

  it('repeats the end of a chunk at the start of the next (overlap)', () => {
    const splitter = new RecursiveTextSplitter({ chunkSize: 24, chunkOverlap: 12 })
    const chunks = splitter.split(words(8))
    expect(chunks[0]).toBe('word0 word1 word2 word3')
    expect(chunks[1]?.startsWith('word2 word3')).toBe(true)
  })

  it('measures tokens through a pluggable counter', () => {
    const tokens = (text: string) => text.split(/\s+/).filter(Boolean).length
    const splitter = new RecursiveTextSplitter({
      chunkSize: 5,
      chunkOverlap: 0,
      counter: tokens,
      counterName: 'words',
    })
    const chunks = splitter.split(words(12))
    expect(chunks.map(tokens)).toEqual([5, 5, 2])
    expect(splitter.fingerprint).toContain('words')
  })

  it('markdown: splits at headings first', () => {
    const splitter = new RecursiveTextSplitter({
      chunkSize: 40,
      chunkOverlap: 0,
      format: 'markdown',
    })
    expect(splitter.split('# Title\nIntro text.\n## Part\nMore text here.')).toEqual([
      '# Title\nIntro text.',
      '## Part\nMore text here.',
    ])
  })

  it('every chunk is a substring within the size, and together they cover every word in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{1,11}[.!?]?$/), { minLength: 1, maxLength: 200 }),
        fc.array(fc.constantFrom(' ', '\n', '\n\n'), { minLength: 200, maxLength: 200 }),
        fc.integer({ min: 12, max: 200 }),
        (tokens, gaps, size) => {
          const text = tokens.map((token, i) => token + (gaps[i] as string)).join('')
          const chunks = new RecursiveTextSplitter({ chunkSize: size, chunkOverlap: 0 }).split(text)
          for (const chunk of chunks) {
            expect(chunk.length).toBeLessThanOrEqual(size)
            expect(text.includes(chunk)).toBe(true)
          }
          expect(chunks.join(' ').split(/\s+/).filter(Boolean)).toEqual(tokens)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses bad settings', () => {
    expect(() => new RecursiveTextSplitter({ chunkSize: 0 })).toThrow(InvalidArgumentError)
    expect(() => new RecursiveTextSplitter({ chunkSize: 10, chunkOverlap: 10 })).toThrow(
      InvalidArgumentError,
    )
    expect(() => new RecursiveTextSplitter({ format: 'html' as never })).toThrow(
      InvalidArgumentError,
    )
  })
})
