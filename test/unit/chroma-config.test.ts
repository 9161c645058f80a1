import { describe, expect, it } from 'vitest'
import { ChromaBackend, type ChromaBackendConfig } from '../../src/chroma/index.js'
import { planConnection } from '../../src/chroma/chroma-connection.js'
import { InvalidArgumentError, NotInitializedError } from '../../src/index.js'

// Options are checked by the constructor, before anything connects or starts.
describe('ChromaBackend options', () => {
  const fakeClient = { getOrCreateCollection: async () => ({}), deleteCollection: async () => ({}) }

  it.each<[string, string, unknown]>([
    ['a too short collection name', 'ab', {}],
    ['a collection name with a space', 'my docs', {}],
    ['a collection name with ..', 'a..b', {}],
    ['a collection name ending in -', 'docs-', {}],
    ['an IPv4 collection name', '10.0.0.1', {}],
    ['an unknown option', 'docs', { hostname: 'x' }],
    ['options that are not an object', 'docs', 'localhost'],
    ['port without host', 'docs', { port: 8000 }],
    ['ssl without host', 'docs', { ssl: true }],
    ['headers without host', 'docs', { headers: { a: 'b' } }],
    ['tenant without host', 'docs', { tenant: 't' }],
    ['a URL as host', 'docs', { host: 'http://localhost:8000' }],
    ['a port out of range', 'docs', { host: 'localhost', port: 70000 }],
    ['a fractional port', 'docs', { host: 'localhost', port: 80.5 }],
    ['non-string headers', 'docs', { host: 'localhost', headers: { a: 1 } }],
    ['host and path', 'docs', { host: 'localhost', path: '/data' }],
    ['server options in HTTP mode', 'docs', { host: 'localhost', server: {} }],
    ['client and host', 'docs', { client: fakeClient, host: 'localhost' }],
    ['client and path', 'docs', { client: fakeClient, path: '/data' }],
    ['a client that is not one', 'docs', { client: {} }],
    ['an empty path', 'docs', { path: '' }],
    ['an unknown metric', 'docs', { metric: 'dot' }],
    ['a fractional dim', 'docs', { dim: 3.5 }],
    ['an unknown hnsw option', 'docs', { hnsw: { m: 16 } }],
    ['a zero efSearch', 'docs', { hnsw: { efSearch: 0 } }],
    ['a zero pageSize', 'docs', { pageSize: 0 }],
    ['a negative startup timeout', 'docs', { server: { startupTimeoutMs: -1 } }],
    ['bindings that are not names', 'docs', { server: { bindings: [1] } }],
  ])('refuses %s', (_, collection, config) => {
    expect(() => new ChromaBackend(collection, config as ChromaBackendConfig)).toThrow(
      InvalidArgumentError,
    )
  })

  it('takes host without port as HTTP on port 8000, never as a local server', () => {
    expect(planConnection({ host: 'chroma.internal' })).toEqual({
      mode: 'http',
      host: 'chroma.internal',
      port: 8000,
      ssl: false,
      headers: undefined,
      tenant: undefined,
      database: undefined,
    })
    expect(planConnection({ path: '/data' }).mode).toBe('persistent')
    expect(planConnection({}).mode).toBe('ephemeral')
  })

  it('constructs without connecting, and refuses calls until initialized', async () => {
    const backend = new ChromaBackend('docs', { host: '127.0.0.1', port: 9, metric: 'ip', dim: 4 })
    expect([backend.collectionName, backend.metric, backend.dim]).toEqual(['docs', 'ip', 4])
    expect(backend.localServer).toBeUndefined()
    await expect(backend.count({})).rejects.toBeInstanceOf(NotInitializedError)
    await backend.close()
  })
})
