/**
 * Debian package descriptions as a retrieval set: each package's one-line synopsis is a query,
 * its long description the one relevant document (known-item search).
 *
 * Source: `dists/<codename>/main/i18n/Translation-en.xz` of the Debian archive this machine's apt
 * uses (its URI read by scripts/debian-mirror.sh, never written here), cached in
 * bench/.cache/debian/. Packages whose long description another package shares (e.g. `-data`
 * and `-common` siblings), or that is under 10 words, are left out: a known item must be unique.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const CACHE = `${root}bench/.cache/debian`

/** One package: its name, synopsis and long description (paragraphs joined by blank lines). */
export interface DebianPackage {
  readonly name: string
  readonly synopsis: string
  readonly description: string
}

/** Downloads (once) and parses the configured suite's English package descriptions. */
export function debianPackages(): DebianPackage[] {
  const codename = execFileSync('sh', ['-c', '. /etc/os-release && echo "$VERSION_CODENAME"'], {
    encoding: 'utf8',
  }).trim()
  const file = `${CACHE}/${codename}-Translation-en`
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true })
    const mirror = execFileSync('bash', [`${root}scripts/debian-mirror.sh`], {
      encoding: 'utf8',
    }).trim()
    const url = `${mirror}/dists/${codename}/main/i18n/Translation-en.xz`
    console.log(`fetching ${url}`)
    execFileSync('sh', [
      '-c',
      `curl -fsSL "$0" | xz -d > "$1.part" && mv "$1.part" "$1"`,
      url,
      file,
    ])
  }
  return unique(parse(readFileSync(file, 'utf8')))
}

function parse(text: string): DebianPackage[] {
  const packages: DebianPackage[] = []
  for (const stanza of text.split(/\n\n+/)) {
    const name = /^Package: (.+)$/m.exec(stanza)?.[1]
    const match = /^Description-en: (.*)\n((?: .*\n?)*)/m.exec(stanza)
    if (name === undefined || match === null) continue
    const description = (match[2] ?? '')
      .split('\n')
      .map((line) => line.replace(/^ /, ''))
      .map((line) => (line === '.' ? '' : line))
      .join('\n')
      .replace(/\n(?!\n)/g, ' ')
      .trim()
    packages.push({ name, synopsis: (match[1] ?? '').trim(), description })
  }
  return packages
}

function unique(packages: DebianPackage[]): DebianPackage[] {
  const seen = new Map<string, number>()
  for (const p of packages) seen.set(p.description, (seen.get(p.description) ?? 0) + 1)
  return packages.filter(
    (p) => seen.get(p.description) === 1 && p.description.split(/\s+/).length >= 10,
  )
}

/**
 * Whether a query leans on identifiers: a word with a digit (`libssl3`, `2.36`, `x86_64`), a
 * word with inner punctuation (`gtk+`, `python3-foo`, `org.gnome`), or a word that is a package
 * name and rare in the corpus (in under 0.1% of the documents).
 */
export function isIdentifierHeavy(
  query: string,
  packageNames: ReadonlySet<string>,
  documentFrequency: (word: string) => number,
  documents: number,
): boolean {
  return query.split(/\s+/).some((raw) => {
    const word = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}+]+$/gu, '')
    if (word === '') return false
    if (/\d/.test(word) || /[\p{L}\p{N}][-_.+:/][\p{L}\p{N}]/u.test(word)) return true
    const lower = word.toLowerCase()
    return packageNames.has(lower) && documentFrequency(lower) < documents / 1000
  })
}

/**
 * The synopsis as a query without `websearch_to_tsquery`'s operators: a synopsis is not written
 * in that syntax (`foo - bar` would exclude "bar"), so quotes, leading dashes and a word `or`
 * are dropped.
 */
export function plainQuery(synopsis: string): string {
  return synopsis
    .replace(/"/g, ' ')
    .split(/\s+/)
    .map((word) => word.replace(/^-+/, ''))
    .filter((word) => word !== '' && word.toLowerCase() !== 'or')
    .join(' ')
}
