import { InvalidArgumentError } from '../core/errors.js'
import type { JsonValue, Payload } from '../core/json.js'

/** A markdown file's front matter (the `---` block at its top) and the text after it. */
export interface FrontMatter {
  readonly metadata: Payload
  readonly body: string
}

const BLOCK = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/
const KEY_VALUE = /^([A-Za-z0-9_][\w.-]*)[ \t]*:(?:[ \t]+(.*))?$/
const LIST_ITEM = /^[ \t]+-[ \t]+(.*)$|^-[ \t]+(.*)$/

/**
 * Reads YAML front matter: `key: value` lines whose values are strings
 * (quoted or not), numbers, booleans, null, `[a, b]` lists, or `- item`
 * lists on the following lines. Comments and blank lines are skipped;
 * anything else (nested maps, multi-line strings) is refused, naming the line.
 */
export function parseFrontMatter(text: string, source = 'front matter'): FrontMatter {
  const match = BLOCK.exec(text)
  if (match === null) return { metadata: {}, body: text }
  const metadata: Payload = Object.create(null) as Payload
  let listKey: string | undefined
  const lines = (match[1] as string).split(/\r?\n/)
  lines.forEach((line, n) => {
    if (/^\s*(#.*)?$/.test(line)) return
    const item = LIST_ITEM.exec(line)
    if (item !== null && listKey !== undefined) {
      ;(metadata[listKey] as JsonValue[]).push(scalar(item[1] ?? item[2] ?? ''))
      return
    }
    const pair = KEY_VALUE.exec(line)
    if (pair === null) {
      throw new InvalidArgumentError(
        `${source}: front matter line ${n + 2}: expected 'key: value' (nested maps are not read)`,
      )
    }
    const key = pair[1] as string
    const value = (pair[2] ?? '').trim()
    listKey = value === '' ? key : undefined
    metadata[key] = value === '' ? [] : value.startsWith('[') ? inlineList(value) : scalar(value)
  })
  return { metadata: { ...metadata }, body: text.slice(match[0].length) }
}

function inlineList(text: string): JsonValue[] {
  if (!text.endsWith(']')) return [scalar(text)]
  const inner = text.slice(1, -1).trim()
  return inner === '' ? [] : inner.split(',').map((part) => scalar(part.trim()))
}

function scalar(raw: string): JsonValue {
  const text = raw.replace(/\s+#.*$/, '').trim()
  if (/^".*"$/.test(text)) {
    try {
      return JSON.parse(text) as string
    } catch {
      return text.slice(1, -1)
    }
  }
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replaceAll("''", "'")
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true'
  if (/^(null|~)?$/i.test(text)) return null
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    const number = Number(text)
    if (Number.isFinite(number)) return number
  }
  return text
}
