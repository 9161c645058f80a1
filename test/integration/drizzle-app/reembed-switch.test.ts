import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { type Embedder, HashingEmbedder, VectorStore } from '../../../src/index.js'
import { PgvectorBackend, resolveView, vectorTable } from '../../../src/pgvector/index.js'
import { postgresForTests } from '../../setup/postgres.js'
import { appSchema, type Run, TestApp } from './test-app.js'

// The documented path for a new dimension (8 -> 16), then a new model at the same dimension,
// in an app on drizzle-kit migrations: a new table beside the old one (generate, migrate),
// `vecstore reembed --switch` (the copy, then the view readers read switched in one
// transaction), and the old table dropped by the next generated migration. A reader queries
// throughout, as the app does: it resolves the view, embeds with the model recorded there and
// searches that table. It must see no error and no empty result.
const server = await postgresForTests()
const apps: TestApp[] = []
afterAll(async () => {
  for (const app of apps) await app.remove()
  if ('stop' in server) await server.stop()
})

const TEXTS = Array.from(
  { length: 300 },
  (_, i) => `chunk ${i} about ${['apples', 'rivers', 'engines', 'music', 'tides'][i % 5]} item${i}`,
)

// The third model: the same buckets as hashing-v1-16, reversed (another space, same dimension).
// Rate-limited once when RATE_LIMIT_ONCE is set, as a provider would answer a burst.
const EMBEDDER_V2 = `import { HashingEmbedder } from 'vecstore'

const inner = new HashingEmbedder(16)
let limited = process.env.RATE_LIMIT_ONCE !== '1'
export default {
  model: 'hashing-v2-16',
  dimensions: 16,
  async embed(texts: readonly string[]): Promise<number[][]> {
    if (!limited) {
      limited = true
      throw Object.assign(new Error('429 Too Many Requests'), { status: 429 })
    }
    return (await inner.embed(texts)).map((vector) => vector.reverse())
  },
}
`

interface ReaderLog {
  queries: number
  empty: number
  errors: unknown[]
  /** Queries per model, in the order the models were seen. */
  perModel: Map<string, number>
}

/** The app's reader: resolve the view, embed with its table's model, search that table. */
async function read(
  db: ReturnType<typeof drizzle>,
  embedders: ReadonlyMap<string, Embedder>,
  log: ReaderLog,
  stopped: () => boolean,
): Promise<void> {
  const backends = new Map<string, PgvectorBackend>()
  while (!stopped()) {
    try {
      const live = await resolveView(db, 'chunks_live')
      const embedder = embedders.get(live.model ?? '')
      if (embedder === undefined) throw new Error(`no embedder for ${live.model}`)
      let backend = backends.get(live.table)
      if (backend === undefined) {
        backend = await PgvectorBackend.create({
          db,
          table: live.table,
          manageSchema: false,
          model: embedder.model,
        })
        backends.set(live.table, backend)
      }
      const [query] = await embedder.embed([TEXTS[log.queries % TEXTS.length]!])
      const hits = await backend.search(query!, 5, {})
      if (hits.length === 0) log.empty++
      log.perModel.set(embedder.model, (log.perModel.get(embedder.model) ?? 0) + 1)
      log.queries++
    } catch (error) {
      log.errors.push(error)
      await sleep(5)
    }
  }
  for (const backend of backends.values()) await backend.close()
}

function expectOk(run: Run): string {
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
  return run.stdout
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 60_000) throw new Error('the reader made no progress')
    await sleep(20)
  }
}

/** Until the reader has searched with this model a few times: it has followed the switch. */
async function readerOn(log: ReaderLog, model: string): Promise<void> {
  for (let waited = 0; (log.perModel.get(model) ?? 0) < 10; waited += 20) {
    if (waited > 60_000) throw new Error(`the reader never searched with ${model}`)
    await sleep(20)
  }
}

if ('skip' in server) {
  describe.skip(`re-embedding (skipped: ${server.skip})`, () => it('needs Postgres', () => {}))
} else {
  describe('a new dimension, then a new model, while a reader queries', () => {
    it('goes through new table, reembed --switch and drop, with no error and no empty result', async () => {
      const app = await TestApp.create(server.url, 'reembed')
      apps.push(app)
      const table = (name: string, dims: number, model: string) =>
        `export const ${name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())} = vectorTable('${name}', { dimensions: ${dims}, model: '${model}' })`
      const deploy = async (...tables: string[]) => {
        app.write('db/schema.ts', appSchema(tables.join('\n')))
        const generated = expectOk(await app.drizzleKitAsync('generate'))
        expectOk(await app.drizzleKitAsync('migrate'))
        return generated
      }

      // The app as it runs today: 8 dimensions, and a view its readers read.
      expectOk(app.vecstore('init-migrations'))
      await deploy(table('chunks', 8, 'hashing-v1-8'))
      expectOk(app.drizzleKit('generate', '--custom', '--name=live_view'))
      app.write('drizzle/0002_live_view.sql', 'CREATE VIEW chunks_live AS SELECT * FROM chunks;\n')
      expectOk(app.drizzleKit('migrate'))
      const pool = new pg.Pool({ connectionString: app.url, max: 4 })
      const db = drizzle({ client: pool })
      const v1 = new HashingEmbedder(8)
      const writer = await PgvectorBackend.create({
        db,
        table: vectorTable('chunks', { dimensions: 8, model: v1.model }),
      })
      const store = new VectorStore(writer)
      const vectors = await v1.embed(TEXTS)
      await store.upsert(
        TEXTS.map((content, i) => ({
          id: `c${i}`,
          content,
          vector: vectors[i]!,
          embeddingModel: v1.model,
        })),
      )
      await writer.close()

      app.write('embedder-v2.ts', EMBEDDER_V2)
      const v2 = (await import(join(app.dir, 'embedder-v2.ts'))) as { default: Embedder }
      const embedders = new Map<string, Embedder>(
        [v1, new HashingEmbedder(16), v2.default].map((e) => [e.model, e]),
      )
      let stop = false
      const log: ReaderLog = { queries: 0, empty: 0, errors: [], perModel: new Map() }
      const reader = read(db, embedders, log, () => stop)
      await readerOn(log, v1.model)

      // A new dimension: expand, re-embed and switch, contract.
      expect(
        await deploy(table('chunks', 8, 'hashing-v1-8'), table('chunks_v2', 16, 'hashing-v1-16')),
      ).toContain('drizzle/0003')
      const url = app.url
      const first = expectOk(
        await app.vecstoreAsync([
          'reembed',
          '--from',
          `${url}?table=chunks`,
          '--to',
          `${url}?table=chunks_v2`,
          '--embedder',
          'hashing:16',
          '--switch',
          'chunks_live',
        ]),
      )
      expect(first).toContain("re-embedded 300 entries with 'hashing-v1-16'")
      expect(first).toContain('view chunks_live now reads chunks_v2 (was chunks)')
      await readerOn(log, 'hashing-v1-16')
      await deploy(table('chunks_v2', 16, 'hashing-v1-16'))
      expect(readFileSync(join(app.dir, 'drizzle', `${tagOf(app, 4)}.sql`), 'utf8')).toContain(
        'DROP TABLE "chunks" CASCADE;',
      )

      // A new model at the same dimension, rate-limited once.
      await deploy(table('chunks_v2', 16, 'hashing-v1-16'), table('chunks_v3', 16, 'hashing-v2-16'))
      const second = expectOk(
        await app.vecstoreAsync(
          [
            'reembed',
            '--from',
            `${url}?table=chunks_v2`,
            '--to',
            `${url}?table=chunks_v3`,
            '--embedder',
            './embedder-v2.ts',
            '--switch',
            'chunks_live',
          ],
          { RATE_LIMIT_ONCE: '1' },
        ),
      )
      expect(second).toContain(
        "re-embedded 300 entries with 'hashing-v2-16' (0 already in the target, skipped; 1 rate-limit retries)",
      )
      await readerOn(log, 'hashing-v2-16')
      await deploy(table('chunks_v3', 16, 'hashing-v2-16'))
      const queries = log.queries
      await until(() => log.queries > queries + 10)
      stop = true
      await reader
      await pool.end()

      expect(log.errors).toEqual([])
      expect(log.empty).toBe(0)
      expect([...log.perModel.keys()]).toEqual(['hashing-v1-8', 'hashing-v1-16', 'hashing-v2-16'])
      for (const queries of log.perModel.values()) expect(queries).toBeGreaterThanOrEqual(10)
      expect(expectOk(app.vecstore('doctor', app.url, '--schema', 'db/schema.ts'))).toMatch(
        /^ok: table "chunks_v3"/m,
      )
    })
  })
}

function tagOf(app: TestApp, idx: number): string | undefined {
  const path = join(app.dir, 'drizzle/meta/_journal.json')
  const journal = JSON.parse(readFileSync(path, 'utf8')) as {
    entries: { idx: number; tag: string }[]
  }
  return journal.entries.find((entry) => entry.idx === idx)?.tag
}
