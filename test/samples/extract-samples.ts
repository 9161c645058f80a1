import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** What a marker comment before a block can say (see doc-samples.test.ts). */
export const MARKERS = ['no-run', 'needs-postgres', 'needs-chroma', 'file'] as const

/** One ```ts block of a Markdown page. */
export interface Sample {
  /** The page, relative to the repo: `README.md`, `docs/…`. */
  readonly doc: string
  /** Line of the page where the code starts (after the fence). */
  readonly line: number
  /** The nearest heading above the block. */
  readonly heading: string
  readonly code: string
  readonly run: boolean
  readonly needs: readonly ('postgres' | 'chroma')[]
  /** Set by `file=NAME.ts`: a module the following blocks of the page import. */
  readonly file: string | undefined
}

/** The pages whose samples are checked: README.md and every Markdown file under docs/. */
export function samplePages(root: string): string[] {
  const docs = join(root, 'docs')
  const pages = existsSync(docs)
    ? readdirSync(docs, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.md'))
        .map((file) => join('docs', file))
        .sort()
    : []
  return ['README.md', ...pages]
}

/** Every ```ts (or ```typescript) block of a page, with the markers of the comment before it. */
export function extractSamples(root: string, doc: string): Sample[] {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n')
  const samples: Sample[] = []
  let heading = doc
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '')
    if (!/^```(ts|typescript)\s*$/.test(line)) continue
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
    if (end < 0) throw new Error(`${doc}:${i + 1}: unterminated code block`)
    const markers = markersBefore(lines, i, doc)
    samples.push({
      doc,
      line: i + 2,
      heading,
      code: `${lines.slice(i + 1, end).join('\n')}\n`,
      run: !markers.has('no-run') && !markers.has('file'),
      needs: (['postgres', 'chroma'] as const).filter((engine) => markers.has(`needs-${engine}`)),
      file: markers.get('file'),
    })
    i = end
  }
  return samples
}

/** `<!-- sample: a b=c (why) -->` on the line before the fence (a blank line may separate them). */
function markersBefore(lines: string[], fence: number, doc: string): Map<string, string> {
  let j = fence - 1
  if (j >= 0 && (lines[j] as string).trim() === '') j--
  const match = /^<!--\s*sample:(.*)-->\s*$/.exec(lines[j] ?? '')
  const markers = new Map<string, string>()
  // A reason may follow in parentheses: `<!-- sample: no-run (needs an API key) -->`.
  const words =
    match?.[1]
      ?.replace(/\(.*\)/, '')
      .trim()
      .split(/\s+/) ?? []
  for (const word of words.filter(Boolean)) {
    const [name = '', value = ''] = word.split('=')
    if (!(MARKERS as readonly string[]).includes(name)) {
      throw new Error(
        `${doc}:${j + 1}: unknown sample marker "${name}" (known: ${MARKERS.join(', ')})`,
      )
    }
    if (name === 'file' && !/^[\w-]+\.ts$/.test(value)) {
      throw new Error(`${doc}:${j + 1}: file= needs a module name such as schema.ts`)
    }
    markers.set(name, value)
  }
  return markers
}
