import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { BackendConnectionError } from '../core/errors.js'
import { LEGACY_BINDING, type ResolvedBindings } from './binding-candidates.js'
import { gracefulSignal, RUNNER_ENV, RUNNER_SCRIPT, type RunnerSettings } from './server-runner.js'

/** How to run one server process. */
export interface ServerProcessOptions {
  readonly dataDir: string
  readonly ephemeral: boolean
  readonly bindings: ResolvedBindings
  readonly startupTimeoutMs: number
  readonly shutdownGraceMs: number
}

const START_ATTEMPTS = 3
const POLL_MS = 50
const TAIL_BYTES = 8192

/**
 * One Chroma server child process: started on a free port, ready once its
 * heartbeat answers, stopped with the graceful signal for its version, then
 * SIGKILL after the grace period.
 */
export class ServerProcess {
  readonly #child: ChildProcess
  readonly #exited: Promise<unknown>
  readonly #output: OutputTail
  readonly #graceMs: number
  #stopping: Promise<void> | undefined
  /** The server's port on 127.0.0.1. */
  readonly port: number
  /** The server version it reported. */
  serverVersion = 'unknown'

  private constructor(child: ChildProcess, port: number, graceMs: number) {
    this.#child = child
    this.port = port
    this.#graceMs = graceMs
    this.#output = new OutputTail(child)
    // Resolves on 'exit', or on 'error' when the process could not be spawned at all.
    this.#exited = once(child, 'exit').catch(() => undefined)
  }

  /** The binding that runs it: package name and version (known once it has loaded). */
  get binding(): { readonly name: string; readonly version: string } {
    return this.#output.binding ?? { name: 'unknown', version: 'unknown' }
  }

  /** Starts a server; retries on another port if the chosen one was taken meanwhile. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    if (options.bindings.candidates.length === 0) throw noBindingError(options.bindings, [])
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const server = new ServerProcess(spawnRunner(options, port), port, options.shutdownGraceMs)
      const outcome = await server.#waitReady(options.startupTimeoutMs)
      if (outcome === 'ready') return server.#detach()
      await server.stop()
      const noBinding = server.#output.noBinding
      if (noBinding) throw noBindingError(options.bindings, noBinding)
      if (outcome === 'exited' && attempt < START_ATTEMPTS) continue
      throw new BackendConnectionError(
        outcome === 'timeout'
          ? `the local Chroma server did not answer its heartbeat within ${options.startupTimeoutMs} ms`
          : `the local Chroma server exited while starting: ${lastLines(server.#output.text)}`,
      )
    }
  }

  async #waitReady(timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.alive) return 'exited'
      const heartbeat = await fetchJson(`http://127.0.0.1:${this.port}/api/v2/heartbeat`)
      // A server that answers while our child is gone is someone else's: the port was taken.
      if (!this.alive) return 'exited'
      if (heartbeat !== undefined) {
        const version = await fetchJson(`http://127.0.0.1:${this.port}/api/v2/version`)
        if (typeof version === 'string') this.serverVersion = version
        return 'ready'
      }
      await sleep(POLL_MS)
    }
    return 'timeout'
  }

  // Running servers must not keep the parent's event loop alive: process exit stops them.
  #detach(): this {
    this.#child.unref()
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      ;(stream as unknown as { unref?: () => void } | null)?.unref?.()
    }
    return this
  }

  /** The child's process id. */
  get pid(): number {
    return this.#child.pid as number
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Stops the server: graceful signal, grace period, then SIGKILL. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop(): Promise<void> {
    if (!this.alive) return
    // Keep the event loop alive until the child has gone (it is unref'd while running).
    this.#child.ref()
    this.#child.kill(gracefulSignal(this.binding.version))
    const gone = await Promise.race([this.#exited.then(() => true), sleep(this.#graceMs, false)])
    if (!gone && this.alive) this.#child.kill('SIGKILL')
    await this.#exited
  }

  /** For process exit: sends the graceful signal now (the child's watchdog kills it if that is ignored). */
  signalNow(): void {
    if (this.alive) this.#child.kill(gracefulSignal(this.binding.version))
  }
}

function spawnRunner(options: ServerProcessOptions, port: number): ChildProcess {
  const settings: RunnerSettings = {
    candidates: options.bindings.candidates,
    path: options.dataDir,
    port,
    graceMs: options.shutdownGraceMs,
    parentPid: process.pid,
    removeDir: options.ephemeral ? options.dataDir : undefined,
  }
  const env: NodeJS.ProcessEnv = { ...process.env, [RUNNER_ENV]: JSON.stringify(settings) }
  // The parent's NODE_OPTIONS (loaders, --inspect) have no business in the server process.
  delete env['NODE_OPTIONS']
  return spawn(process.execPath, ['-e', RUNNER_SCRIPT], {
    env,
    // Own process group: a terminal's Ctrl-C (SIGINT) must not reach server 1.0, which spins on it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  })
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') {
    throw new BackendConnectionError('could not find a free port for the local Chroma server')
  }
  return address.port
}

/** Keeps the last few KB of a child's output and the runner's reports; drains the pipes. */
class OutputTail {
  #text = ''
  #partialLine = ''
  binding: { name: string; version: string } | undefined
  noBinding: { name: string; reason: string }[] | undefined

  constructor(child: ChildProcess) {
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => this.#keep(chunk))
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      this.#keep(chunk)
      this.#scan(chunk)
    })
  }

  get text(): string {
    return this.#text
  }

  #keep(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-TAIL_BYTES)
  }

  // The runner's reports are whole lines on stderr; a chunk may end mid-line.
  #scan(chunk: string): void {
    const lines = (this.#partialLine + chunk).split('\n')
    this.#partialLine = (lines.pop() ?? '').slice(-TAIL_BYTES)
    for (const line of lines) {
      if (line.startsWith(BINDING_REPORT)) this.binding = parseReport(line, BINDING_REPORT)
      if (line.startsWith(NO_BINDING_REPORT)) this.noBinding = parseReport(line, NO_BINDING_REPORT)
    }
  }
}

const BINDING_REPORT = '@@vecstore:binding '
const NO_BINDING_REPORT = '@@vecstore:no-binding '

function parseReport<T>(line: string, tag: string): T | undefined {
  try {
    return JSON.parse(line.slice(tag.length)) as T
  } catch {
    return undefined
  }
}

async function fetchJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
    return response.ok ? await response.json() : undefined
  } catch {
    return undefined
  }
}

function lastLines(text: string): string {
  const lines = text.trim().split('\n').slice(-5).join(' | ')
  return lines === '' ? '(no output)' : lines.slice(-600)
}

function noBindingError(
  bindings: ResolvedBindings,
  failed: readonly { name: string; reason: string }[],
): BackendConnectionError {
  const reasons = [...failed, ...bindings.missing].map(({ name, reason }) => `${name}: ${reason}`)
  return new BackendConnectionError(
    `no Chroma server binding could be loaded (${reasons.join('; ')}). ` +
      'Persistent and ephemeral mode run a local server from the Chroma bindings on npm: on glibc < 2.38 ' +
      `install the pinned fallback (npm install ${LEGACY_BINDING}@npm:chromadb-js-bindings-linux-x64-gnu@1.0.5), ` +
      'or connect to a running Chroma server with host and port',
  )
}
