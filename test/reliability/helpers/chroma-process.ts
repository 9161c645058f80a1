import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { resolveBindings } from '../../../src/chroma/binding-candidates.js'
import {
  RUNNER_ENV,
  RUNNER_SCRIPT,
  type RunnerSettings,
} from '../../../src/chroma/server-runner.js'

/**
 * A Chroma server process the test controls: a fixed data directory and a
 * fixed port on 127.0.0.1, so it can be SIGKILLed and started again at the
 * same address (what a supervisor restarting a crashed server does). It runs
 * the library's own server runner, whose watchdog stops it if this process dies.
 */
export class ChromaProcess {
  #child: ChildProcess | undefined
  #exited: Promise<unknown> = Promise.resolve()
  readonly starts: number[] = []

  private constructor(
    readonly path: string,
    readonly port: number,
  ) {}

  static async start(path: string): Promise<ChromaProcess> {
    const server = new ChromaProcess(path, await freePort())
    await server.start()
    return server
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  /** Starts the server on its port; retries while the old socket is still being released. */
  async start(): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const settings: RunnerSettings = {
        candidates: resolveBindings().candidates,
        path: this.path,
        port: this.port,
        graceMs: 1000,
        parentPid: process.pid,
        removeDir: undefined,
      }
      const env: NodeJS.ProcessEnv = { ...process.env, [RUNNER_ENV]: JSON.stringify(settings) }
      delete env['NODE_OPTIONS']
      const child = spawn(process.execPath, ['-e', RUNNER_SCRIPT], {
        env,
        detached: true,
        stdio: ['ignore', 'ignore', 'ignore'],
      })
      this.#child = child
      this.#exited = once(child, 'exit').catch(() => undefined)
      const deadline = Date.now() + 30_000
      while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
        if (await heartbeat(this.port)) {
          this.starts.push(child.pid as number)
          return
        }
        await sleep(50)
      }
      await this.kill()
      await sleep(250)
    }
    throw new Error(`could not start a Chroma server on port ${this.port}`)
  }

  /** SIGKILL: the server gets no chance to flush or answer in-flight requests. */
  async kill(): Promise<void> {
    const child = this.#child
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await this.#exited
  }
}

async function heartbeat(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`, {
      signal: AbortSignal.timeout(1000),
    })
    return response.ok
  } catch {
    return false
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}
