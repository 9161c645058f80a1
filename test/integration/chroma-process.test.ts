import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { platformBinding } from '../../src/chroma/binding-candidates.js'
import { ChromaBackend, type LocalChromaServerInfo } from '../../src/chroma/index.js'
import { BackendConnectionError } from '../../src/index.js'
import {
  expectNoLocalServers,
  expectProcessGone,
  failureOf,
  isProcessAlive,
} from '../setup/chroma.js'
import { makeTempDir } from '../setup/temp-dir.js'

// No server may outlive the process that started it, however that process ends.
const temp = makeTempDir('vecstore-chroma-process-')
const childScript = fileURLToPath(new URL('./chroma-fixtures/child-backend.ts', import.meta.url))
const children: ChildProcess[] = []
const pids = new Set<number>()
let dirs = 0

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await expectNoLocalServers(pids)
  temp.cleanup()
})

async function startChild(
  mode: 'ephemeral' | 'persistent',
  ending: 'return' | 'exit' | 'throw' | 'wait',
  path = `${temp.dir}/data-${dirs++}`,
): Promise<{ child: ChildProcess; server: LocalChromaServerInfo; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, mode, path, ending], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  let output = ''
  const server = await new Promise<LocalChromaServerInfo>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('\n')) resolve(JSON.parse(output.split('\n')[0] as string))
    })
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    void exited.then(() => reject(new Error(`child exited before it was ready: ${output}`)))
  })
  pids.add(server.pid)
  return { child, server, exited }
}

describe('a local server stops with the process that started it', () => {
  for (const ending of ['return', 'exit', 'throw'] as const) {
    it(`when the process ends by ${ending} without close()`, async () => {
      const { server, exited } = await startChild('ephemeral', ending)
      await exited
      await expectProcessGone(server.pid)
      expect(existsSync(server.path)).toBe(false)
    })
  }

  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
    it(`when the process is killed with ${signal}`, async () => {
      const { child, server, exited } = await startChild('ephemeral', 'wait')
      expect(isProcessAlive(server.pid)).toBe(true)
      child.kill(signal)
      await exited
      await expectProcessGone(server.pid)
      expect(existsSync(server.path)).toBe(false)
    })
  }

  it('locks a persistent directory against a second process, and frees it when that one dies', async () => {
    const path = `${temp.dir}/locked`
    const { child, server, exited } = await startChild('persistent', 'wait', path)
    await expect(ChromaBackend.create('child', { path })).rejects.toThrow(
      new RegExp(`in use by process ${child.pid}`),
    )
    child.kill('SIGKILL')
    await exited
    const backend = await ChromaBackend.create('child', { path })
    pids.add(backend.localServer?.pid as number)
    expect(isProcessAlive(server.pid)).toBe(false)
    expect(await backend.listWhere({}, 5)).toEqual([
      { id: 'from-child', payload: { pid: child.pid } },
    ])
    await backend.close()
  })
})

describe('the local server binding', () => {
  const require = createRequire(import.meta.url)

  it('falls back to the pinned legacy binding when the one chromadb brings cannot load', async () => {
    const newest = platformBinding() as string
    const newestLoads =
      spawnSync(process.execPath, ['-e', `require(${JSON.stringify(newest)})`], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
      }).status === 0
    const backend = await ChromaBackend.create('binding', { path: `${temp.dir}/binding` })
    pids.add(backend.localServer?.pid as number)
    const expected = newestLoads ? newest : 'chroma-server-legacy'
    expect(backend.localServer?.binding.startsWith(`${expected}@`)).toBe(true)
    expect(backend.localServer?.serverVersion).toMatch(/^\d+\.\d+\.\d+/)
    await backend.close()
  })

  it('takes an explicit binding list, by package name or path', async () => {
    const legacyDir = require
      .resolve('chroma-server-legacy/package.json')
      .replace(/\/package\.json$/, '')
    const backend = await ChromaBackend.create('explicit', {
      path: `${temp.dir}/explicit`,
      server: { bindings: ['/nonexistent/binding', legacyDir] },
    })
    pids.add(backend.localServer?.pid as number)
    expect(backend.localServer?.binding).toBe(`${legacyDir}@1.0.5`)
    await backend.close()
  })

  it('fails with BackendConnectionError naming every binding when none can start a server', async () => {
    const path = `${temp.dir}/none`
    const error = await failureOf(
      ChromaBackend.create('none', {
        path,
        server: { bindings: ['/nonexistent/binding', 'semver'] },
      }),
    )
    expect(error).toBeInstanceOf(BackendConnectionError)
    expect(error.message).toMatch(/no Chroma server binding could be loaded/)
    expect(error.message).toMatch(/\/nonexistent\/binding: not installed/)
    expect(error.message).toMatch(/semver: it exports no cli\(\) function/)
    // A failed start leaves no lock behind: the directory is usable at once.
    const backend = await ChromaBackend.create('none', { path })
    pids.add(backend.localServer?.pid as number)
    await backend.close()
  })
})
