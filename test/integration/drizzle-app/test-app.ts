import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { makeTempDir } from '../../setup/temp-dir.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
// What `npm install vecstore drizzle-orm pg && npm install -D drizzle-kit` leaves an app: vecstore
// is this package (its built dist/ and bin/), the others the copies this repository installed.
const INSTALLED = ['drizzle-orm', 'drizzle-kit', 'pg', 'tsx', '@types/node']

/** The app's schema: its own table beside the vector tables declared with vectorTable(). */
export function appSchema(vectorTables: string): string {
  return `import { pgTable, text } from 'drizzle-orm/pg-core'
import { vectorTable } from 'vecstore/pgvector'

export const authors = pgTable('authors', { id: text('id').primaryKey(), name: text('name').notNull() })
${vectorTables}
`
}

/** What a command printed and how it exited. */
export interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * An app on Drizzle in a directory of its own (its package.json, drizzle.config.ts,
 * schema and migrations) with a database of its own on the test server, driven
 * through the real drizzle-kit and vecstore commands as a deploy pipeline would.
 */
export class TestApp {
  readonly dir: string
  readonly url: string
  readonly #base: string
  readonly #database: string
  readonly #cleanup: () => void

  private constructor(base: string, name: string) {
    const temp = makeTempDir(`vecstore-${name}-`)
    this.dir = temp.dir
    this.#cleanup = temp.cleanup
    this.#base = base
    this.#database = `vecstore_${name}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
    this.url = base.replace(/\/[^/?]*(\?|$)/, `/${this.#database}$1`)
    mkdirSync(join(this.dir, 'node_modules', '@types'), { recursive: true })
    symlinkSync(root, join(this.dir, 'node_modules', 'vecstore'))
    for (const pkg of INSTALLED) {
      symlinkSync(join(root, 'node_modules', pkg), join(this.dir, 'node_modules', pkg))
    }
    writeFileSync(join(this.dir, 'package.json'), JSON.stringify({ name, type: 'module' }))
    this.write(
      'drizzle.config.ts',
      `import { defineConfig } from 'drizzle-kit'
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL! },
})
`,
    )
  }

  /** A new app with an empty database (no extension) on the server at `base`. */
  static async create(base: string, name: string): Promise<TestApp> {
    const app = new TestApp(base, name)
    await app.#admin(`CREATE DATABASE "${app.#database}"`)
    return app
  }

  /** Writes a file of the app (relative path). */
  write(path: string, text: string): void {
    mkdirSync(join(this.dir, path, '..'), { recursive: true })
    writeFileSync(join(this.dir, path), text)
  }

  /** `npx drizzle-kit ...` in the app. */
  drizzleKit(...args: string[]): Run {
    return this.#node(['node_modules/drizzle-kit/bin.cjs', ...args])
  }

  /** `npx vecstore ...` in the app, to completion. */
  vecstore(...args: string[]): Run {
    return this.#node(['node_modules/vecstore/bin/vecstore.js', ...args])
  }

  /** `npx drizzle-kit ...` in the app, while the test goes on (a reader keeps querying). */
  drizzleKitAsync(...args: string[]): Promise<Run> {
    return this.#nodeAsync(['node_modules/drizzle-kit/bin.cjs', ...args], {})
  }

  /** `npx vecstore ...` in the app, while the test goes on. */
  vecstoreAsync(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
    return this.#nodeAsync(['node_modules/vecstore/bin/vecstore.js', ...args], env)
  }

  /** Runs SQL on the app's database. */
  async sql(text: string): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({ connectionString: this.url })
    await client.connect()
    try {
      return (await client.query(text)).rows as Record<string, unknown>[]
    } finally {
      await client.end()
    }
  }

  /** Drops the database and removes the directory. */
  async remove(): Promise<void> {
    await this.#admin(`DROP DATABASE IF EXISTS "${this.#database}" WITH (FORCE)`)
    this.#cleanup()
  }

  #node(args: string[]): Run {
    const { status, stdout, stderr } = spawnSync(process.execPath, args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: this.url },
    })
    return { status, stdout, stderr }
  }

  #nodeAsync(args: readonly string[], env: Record<string, string>): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: this.dir,
        env: { ...process.env, DATABASE_URL: this.url, ...env },
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('error', reject)
      child.on('close', (status) => resolve({ status, stdout, stderr }))
    })
  }

  async #admin(text: string): Promise<void> {
    const admin = new pg.Client({ connectionString: this.#base })
    await admin.connect()
    try {
      await admin.query(text)
    } finally {
      await admin.end()
    }
  }
}
