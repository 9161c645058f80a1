import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import { VectorStoreError } from '../../src/core/errors.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import {
  type OwnPostgres,
  ownPostgresUnavailable,
  startOwnPostgres,
} from './helpers/own-postgres.js'

// No DSN password or header token may appear in an error's message, String(), JSON, stack or
// inspect() output, anywhere along its cause chain, nor in anything written to the console.
const PASSWORD = 'Pw-9f3kZq-SECRET'
const TOKEN = 'tok-77c1d-SECRET'

function expectNoSecret(error: unknown, secrets: readonly string[]): number {
  expect(error).toBeInstanceOf(VectorStoreError)
  let depth = 0
  for (let e: unknown = error; e !== undefined && e !== null && depth < 10; depth++) {
    const renderings = [
      String(e),
      JSON.stringify(e) ?? '',
      inspect(e, { depth: 6 }),
      (e as Error).message ?? '',
      (e as Error).stack ?? '',
    ]
    for (const text of renderings)
      for (const secret of secrets) expect(text, `cause depth ${depth}`).not.toContain(secret)
    e = (e as { cause?: unknown }).cause
  }
  return depth
}

/** Runs `body` while recording everything written to stdout, stderr and the console. */
async function captureOutput(body: () => Promise<void>): Promise<string> {
  const chunks: string[] = []
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const
  const saved = methods.map((m) => console[m])
  process.stdout.write = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof out
  process.stderr.write = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof err
  for (const m of methods) console[m] = (...args: unknown[]) => void chunks.push(inspect(args))
  try {
    await body()
  } finally {
    process.stdout.write = out
    process.stderr.write = err
    methods.forEach((m, i) => (console[m] = saved[i] as (typeof console)[typeof m]))
  }
  return chunks.join('')
}

const failureOf = (call: () => Promise<unknown>) =>
  call().then(
    () => {
      throw new Error('expected the call to fail')
    },
    (error: unknown) => error,
  )

const unavailable = ownPostgresUnavailable()
describe.skipIf(unavailable !== undefined && process.env['REQUIRE_POSTGRES'] !== '1')(
  `no DSN password in errors or logs${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let pg: OwnPostgres
    beforeAll(async () => {
      pg = await startOwnPostgres('rel-secrets', 55520)
      // A role that needs a password (the cluster trusts everyone else).
      await pg.psql(`CREATE ROLE app LOGIN PASSWORD 'the-right-one'`)
      const hba = `${pg.dir}/data/pg_hba.conf`
      writeFileSync(hba, `host all app 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`)
      await pg.psql('SELECT pg_reload_conf()')
    })
    afterAll(async () => {
      await pg?.destroy()
    })

    it('wrong password, unreachable server, unknown host, malformed URL', async () => {
      const dsns = [
        `postgres://app:${PASSWORD}@127.0.0.1:${pg.port}/vecstore`,
        `postgres://app:${PASSWORD}@127.0.0.1:1/vecstore`,
        `postgresql://app:${PASSWORD}@no-such-host.invalid:5432/vecstore?connect_timeout=5`,
        `postgres://app:${PASSWORD}@127.0.0.1:notaport/vecstore`,
        `postgres://app:${encodeURIComponent(PASSWORD + '@/#')}@127.0.0.1:${pg.port}/vecstore`,
      ]
      let checked = 0
      const output = await captureOutput(async () => {
        for (const dsn of dsns) {
          const error = await failureOf(() => PgvectorBackend.create({ dsn, table: 't', dim: 3 }))
          expectNoSecret(error, [PASSWORD, encodeURIComponent(PASSWORD)])
          checked++
        }
      })
      expect(output).not.toContain(PASSWORD)
      expect(checked).toBe(dsns.length)
    })
  },
)

describe('no Chroma header token in errors or logs', () => {
  let server: Server
  let port: number
  const seen: string[] = []
  beforeAll(async () => {
    // A bad server: refuses every request, as a misconfigured proxy or auth layer would.
    server = createServer((req, res) => {
      seen.push(String(req.headers['x-chroma-token']))
      const status = req.url?.includes('heartbeat') ? 500 : 401
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'Unauthorized', message: 'invalid credentials' }))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    port = (server.address() as { port: number }).port
  })
  afterAll(() => {
    server?.close()
  })

  it('a server that refuses the token, and no server at all', async () => {
    const headers = { 'x-chroma-token': TOKEN, authorization: `Bearer ${TOKEN}` }
    const output = await captureOutput(async () => {
      for (const target of [port, 1]) {
        const error = await failureOf(() =>
          ChromaBackend.create('secrets', {
            host: '127.0.0.1',
            port: target,
            headers,
            retry: { attempts: 2, initialDelayMs: 10 },
          }),
        )
        expectNoSecret(error, [TOKEN])
      }
    })
    expect(output).not.toContain(TOKEN)
    expect(seen).toContain(TOKEN) // the bad server really got the token
  })
})
