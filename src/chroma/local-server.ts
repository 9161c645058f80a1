import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { BackendConnectionError, InvalidArgumentError } from '../core/errors.js'
import { resolveBindings } from './binding-candidates.js'
import type { LocalChromaServerOptions } from './chroma-backend-config.js'
import { type PidLock } from '../internal/pid-lock.js'
import { lockDataDir } from './data-dir-lock.js'
import { checkServerOptions } from './local-server-options.js'
import { processRegistry } from './process-registry.js'
import { ServerProcess } from './server-process.js'

/** A running local Chroma server, as {@link runningLocalChromaServers} and `ChromaBackend.localServer` report it. */
export interface LocalChromaServerInfo {
  /** The server child process id. */
  readonly pid: number
  /** Always 127.0.0.1: the server listens on loopback only. */
  readonly host: string
  /** The port it listens on. */
  readonly port: number
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The data directory (a temp dir in ephemeral mode). */
  readonly path: string
  /** True for the ephemeral server (data removed when it stops). */
  readonly ephemeral: boolean
  /** The binding running it, as `name@version`. */
  readonly binding: string
  /** The Chroma server version. */
  readonly serverVersion: string
}

/** A use of a local server; the server stops when its last lease is released. */
export interface LocalChromaServer extends LocalChromaServerInfo {
  /** Releases this use (idempotent); the last release stops the server. */
  stop(): Promise<void>
}

interface Entry {
  readonly key: string
  readonly dataDir: string
  readonly ephemeral: boolean
  readonly ready: Promise<ServerProcess>
  refs: number
  server?: ServerProcess
  lock?: PidLock
  stopping?: Promise<void>
}

const DEFAULT_STARTUP_TIMEOUT_MS = 30_000
const DEFAULT_SHUTDOWN_GRACE_MS = 1_000
const EPHEMERAL_KEY = '\u0000ephemeral'
// One server per data directory (and one ephemeral server) per process.
const registry = processRegistry<Entry>()
const entries = registry.servers

/**
 * Starts (or shares) the local Chroma server for `path`, or the process's
 * ephemeral server when `path` is undefined. Servers are shared and
 * ref-counted: a second use of the same directory gets the running server,
 * and the last `stop()` stops it. Options apply when the server starts.
 */
export async function startLocalChromaServer(
  options: LocalChromaServerOptions & { readonly path?: string } = {},
): Promise<LocalChromaServer> {
  const { path, ...serverOptions } = options
  checkServerOptions(serverOptions)
  const key = path === undefined ? EPHEMERAL_KEY : dataDirKey(path)
  for (;;) {
    const existing = entries.get(key)
    if (existing?.stopping) {
      await existing.stopping
      continue
    }
    const entry = existing ?? startEntry(key, serverOptions)
    entry.refs++
    try {
      return lease(entry, await entry.ready)
    } catch (error) {
      entry.refs--
      throw error
    }
  }
}

/** The local servers this process runs now. */
export function runningLocalChromaServers(): LocalChromaServerInfo[] {
  return [...entries.values()].flatMap((entry) =>
    entry.server?.alive ? [describe(entry, entry.server)] : [],
  )
}

function startEntry(key: string, options: LocalChromaServerOptions): Entry {
  const ephemeral = key === EPHEMERAL_KEY
  const dataDir = ephemeral ? mkdtempSync(join(tmpdir(), 'vecstore-chroma-')) : key
  const entry: Entry = {
    key,
    dataDir,
    ephemeral,
    refs: 0,
    ready: Promise.resolve().then(() => startServer(entry, options)),
  }
  entries.set(key, entry)
  installExitHook()
  entry.ready.catch(() => {
    if (entries.get(key) === entry) entries.delete(key)
  })
  return entry
}

async function startServer(
  entry: Entry,
  options: LocalChromaServerOptions,
): Promise<ServerProcess> {
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS
  try {
    if (!entry.ephemeral) entry.lock = await lockDataDir(entry.dataDir, graceMs)
    entry.server = await ServerProcess.start({
      dataDir: entry.dataDir,
      ephemeral: entry.ephemeral,
      bindings: resolveBindings(options.bindings),
      startupTimeoutMs: options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
      shutdownGraceMs: graceMs,
    })
    entry.lock?.record({ serverPid: entry.server.pid })
  } catch (error) {
    cleanUp(entry)
    throw error
  }
  return entry.server
}

function lease(entry: Entry, server: ServerProcess): LocalChromaServer {
  let released: Promise<void> | undefined
  const stop = () => {
    released ??= release(entry)
    return released
  }
  return { ...describe(entry, server), stop }
}

async function release(entry: Entry): Promise<void> {
  entry.refs--
  if (entry.refs > 0) return
  entry.stopping = (async () => {
    try {
      await entry.server?.stop()
    } finally {
      cleanUp(entry)
      entries.delete(entry.key)
    }
  })()
  await entry.stopping
}

// After the server has stopped (or failed to start): the lock, and an ephemeral server's data.
function cleanUp(entry: Entry): void {
  entry.lock?.release()
  entry.lock = undefined
  if (entry.ephemeral) rmSync(entry.dataDir, { recursive: true, force: true })
}

function describe(entry: Entry, server: ServerProcess): LocalChromaServerInfo {
  return {
    pid: server.pid,
    host: '127.0.0.1',
    port: server.port,
    url: `http://127.0.0.1:${server.port}`,
    path: entry.dataDir,
    ephemeral: entry.ephemeral,
    binding: `${server.binding.name}@${server.binding.version}`,
    serverVersion: server.serverVersion,
  }
}

function dataDirKey(path: string): string {
  if (typeof path !== 'string' || path === '') {
    throw new InvalidArgumentError('expected path to be a non-empty directory path')
  }
  try {
    mkdirSync(resolve(path), { recursive: true })
    return realpathSync(resolve(path))
  } catch (error) {
    throw new BackendConnectionError(
      `cannot create the Chroma data directory ${path}: ${(error as Error).message}`,
      { cause: error },
    )
  }
}

// Process exit (normal or process.exit()): signal every server now; their
// watchdogs SIGKILL them after the grace period. Signals that kill this
// process without an exit event are covered by the watchdogs alone. Locks
// stay: they name the stopping server, and the next owner waits for it.
function installExitHook(): void {
  if (registry.exitHookInstalled) return
  registry.exitHookInstalled = true
  process.on('exit', () => {
    for (const entry of entries.values()) {
      entry.server?.signalNow()
      try {
        if (entry.ephemeral) rmSync(entry.dataDir, { recursive: true, force: true })
      } catch {
        // Best effort while exiting; the server's watchdog removes it too.
      }
    }
  })
}
