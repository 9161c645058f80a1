import { resolve } from 'node:path'
import { InvalidUriError } from './cli-errors.js'

/** Where a store lives, parsed from a URI (see {@link parseStoreUri}). */
export type StoreLocation =
  | { readonly kind: 'memory'; readonly path: string }
  | {
      readonly kind: 'pglite'
      readonly dir: string
      readonly table: string | undefined
      readonly schema: string | undefined
    }
  | {
      readonly kind: 'postgres'
      /** The connection URL without vecstore's own `table` and `schema` parameters. */
      readonly dsn: string
      readonly table: string | undefined
      readonly schema: string | undefined
    }
  | { readonly kind: 'chroma-local'; readonly path: string; readonly collection: string }
  | {
      readonly kind: 'chroma-http'
      readonly host: string
      readonly port: number
      readonly ssl: boolean
      readonly collection: string
      readonly tenant: string | undefined
      readonly database: string | undefined
    }

/** The URI forms, for help texts. */
export const URI_FORMS = `Store URIs:
  memory:PATH | PATH.json                  in-memory snapshot file (InMemoryVectorBackend)
  pglite:DIR[?table=T&schema=S]            embedded Postgres + pgvector in a directory
  postgres://USER:PASS@HOST:PORT/DB[?table=T&schema=S]
                                           Postgres + pgvector (other URL parameters go to the driver)
  chroma:DIR?collection=C                  Chroma collection on a local server over DIR
  http(s)://HOST[:PORT]/COLLECTION[?tenant=T&database=D]
                                           Chroma server (port 8000 by default over http)
  Tables default to vecstore_vectors.`

/** Parses a store URI; throws {@link InvalidUriError} (with any password redacted). */
export function parseStoreUri(uri: string): StoreLocation {
  const fail = (reason: string): never => {
    throw new InvalidUriError(redactUri(uri), reason)
  }
  if (uri.trim() === '') fail('empty')
  if (/^postgres(ql)?:\/\//.test(uri)) return parsePostgres(uri, fail)
  if (/^https?:\/\//.test(uri)) return parseChromaHttp(uri, fail)
  if (uri.startsWith('memory:')) {
    const path = uri.slice('memory:'.length)
    if (path === '') fail('expected memory:PATH, the snapshot file')
    return { kind: 'memory', path }
  }
  if (uri.startsWith('pglite:')) {
    const { path, params } = splitLocal(uri.slice('pglite:'.length), ['table', 'schema'], fail)
    if (path === '') fail('expected pglite:DIR, the data directory')
    return { kind: 'pglite', dir: path, table: params.get('table'), schema: params.get('schema') }
  }
  if (uri.startsWith('chroma:')) {
    const { path, params } = splitLocal(uri.slice('chroma:'.length), ['collection'], fail)
    const collection = params.get('collection')
    if (path === '' || collection === undefined) fail('expected chroma:DIR?collection=NAME')
    return { kind: 'chroma-local', path, collection: collection as string }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(uri)) fail(`unknown scheme (${URI_SCHEMES})`)
  if (uri.endsWith('.json')) return { kind: 'memory', path: uri }
  return fail(`expected one of ${URI_SCHEMES}, or a path ending in .json`)
}

const URI_SCHEMES = 'memory:, pglite:, postgres://, chroma:, http://, https://'

type Fail = (reason: string) => never

function splitLocal(rest: string, allowed: readonly string[], fail: Fail) {
  const q = rest.indexOf('?')
  const path = q === -1 ? rest : rest.slice(0, q)
  const search = new URLSearchParams(q === -1 ? '' : rest.slice(q + 1))
  return { path, params: options(search, allowed, fail) }
}

function options(search: URLSearchParams, allowed: readonly string[], fail: Fail) {
  const found = new Map<string, string>()
  for (const [key, value] of search) {
    if (!allowed.includes(key)) fail(`unknown parameter '${key}' (expected ${allowed.join(', ')})`)
    if (value === '') fail(`empty parameter '${key}'`)
    found.set(key, value)
  }
  return found
}

function parsePostgres(uri: string, fail: Fail): StoreLocation {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return fail('not a valid URL')
  }
  const table = url.searchParams.get('table') ?? undefined
  const schema = url.searchParams.get('schema') ?? undefined
  url.searchParams.delete('table')
  url.searchParams.delete('schema')
  if (table === '' || schema === '') fail('empty table or schema parameter')
  if (url.hostname === '' && !url.searchParams.has('host')) fail('expected a host')
  return { kind: 'postgres', dsn: url.toString(), table, schema }
}

function parseChromaHttp(uri: string, fail: Fail): StoreLocation {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return fail('not a valid URL')
  }
  const collection = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''))
  if (collection === '' || collection.includes('/')) {
    fail('expected http(s)://HOST:PORT/COLLECTION, one collection name as the path')
  }
  if (url.username !== '' || url.password !== '')
    fail('credentials in a Chroma URL are not supported')
  const params = options(url.searchParams, ['tenant', 'database'], fail)
  const ssl = url.protocol === 'https:'
  return {
    kind: 'chroma-http',
    // URL keeps IPv6 hosts in brackets, as Chroma's client expects them.
    host: url.hostname,
    port: url.port === '' ? (ssl ? 443 : 8000) : Number(url.port),
    ssl,
    collection,
    tenant: params.get('tenant'),
    database: params.get('database'),
  }
}

/** Why two stores in one PGlite directory are refused. */
export const ONE_PGLITE_DIRECTORY =
  '--from and --to are in one PGlite directory, which one process cannot open twice: use two directories, or a Postgres server'

/**
 * Whether two URIs name tables in one PGlite directory: one process cannot
 * open a PGlite directory twice.
 */
export function sharePgliteDirectory(a: string, b: string): boolean {
  const [x, y] = [parseStoreUri(a), parseStoreUri(b)]
  return x.kind === 'pglite' && y.kind === 'pglite' && resolve(x.dir) === resolve(y.dir)
}

/** A URI safe to print: the password of a `scheme://user:pass@host` URI becomes `***`. */
export function redactUri(uri: string): string {
  // Up to the last '@': a raw '@', '/' or '#' in a password must not leak its tail.
  return uri.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:?#]*):.*@/, '$1:***@')
}
