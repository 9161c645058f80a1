import { InvalidArgumentError } from '../core/errors.js'
import { importPeer } from '../internal/peer.js'
import { isPlainObject } from '../core/validate.js'
import type { ChromaClientLike } from './chroma-api.js'
import type { ChromaBackendConfig, LocalChromaServerOptions } from './chroma-backend-config.js'
import { type LocalChromaServer, startLocalChromaServer } from './local-server.js'
import { checkServerOptions } from './local-server-options.js'

/** Where a backend's data lives, decided from its options. */
export type ConnectionPlan =
  | { readonly mode: 'client'; readonly client: ChromaClientLike }
  | {
      readonly mode: 'http'
      readonly host: string
      readonly port: number
      readonly ssl: boolean
      readonly headers: Readonly<Record<string, string>> | undefined
      readonly tenant: string | undefined
      readonly database: string | undefined
    }
  | {
      readonly mode: 'persistent' | 'ephemeral'
      readonly path: string | undefined
      readonly server: LocalChromaServerOptions
    }

/** An open connection: the client, a label for messages, and what to release on close. */
export interface Connection {
  readonly client: ChromaClientLike
  /** `host:port` (never headers), for error messages. */
  readonly server: string
  readonly localServer: LocalChromaServer | undefined
  release(): Promise<void>
}

/** Chroma's default HTTP port. */
export const DEFAULT_PORT = 8000
const HTTP_ONLY = ['port', 'ssl', 'headers', 'tenant', 'database'] as const

/**
 * Decides the mode. A `host` always means HTTP (port 8000 by default): it
 * never silently falls back to a local server, and HTTP-only options
 * without `host` are refused rather than ignored.
 */
export function planConnection(config: ChromaBackendConfig): ConnectionPlan {
  const httpOnly = HTTP_ONLY.filter((name) => config[name] !== undefined)
  if (config.client !== undefined) {
    const clash = [...httpOnly, 'host', 'path', 'server'].filter(
      (name) => config[name as keyof ChromaBackendConfig] !== undefined,
    )
    if (clash.length > 0) refuse(`client cannot be combined with ${clash.join(', ')}`)
    return { mode: 'client', client: checkClient(config.client) }
  }
  if (config.host !== undefined) {
    if (config.path !== undefined)
      refuse('host (HTTP mode) and path (persistent mode) exclude each other')
    if (config.server !== undefined)
      refuse('server options apply to a local server, not to HTTP mode')
    return httpPlan(config)
  }
  if (httpOnly.length > 0) refuse(`${httpOnly.join(', ')} need host (HTTP mode)`)
  if (config.path !== undefined && (typeof config.path !== 'string' || config.path === '')) {
    refuse('expected path to be a non-empty directory path')
  }
  const server = config.server ?? {}
  if (!isPlainObject(server)) refuse('expected server to be an options object')
  checkServerOptions(server)
  return { mode: config.path === undefined ? 'ephemeral' : 'persistent', path: config.path, server }
}

function httpPlan(config: ChromaBackendConfig): ConnectionPlan {
  const { host, port = DEFAULT_PORT, ssl = false, headers, tenant, database } = config
  if (typeof host !== 'string' || !/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(host)) {
    refuse(
      'expected host to be a host name or IP address (no scheme, port or path: use port and ssl)',
    )
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) refuse('expected port from 1 to 65535')
  if (typeof ssl !== 'boolean') refuse('expected ssl to be true or false')
  if (headers !== undefined && !isStringRecord(headers))
    refuse('expected headers to map names to strings')
  for (const [name, value] of [
    ['tenant', tenant],
    ['database', database],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      refuse(`expected ${name} to be a non-empty string`)
    }
  }
  return { mode: 'http', host, port, ssl, headers, tenant, database }
}

/** Opens the plan's client; in local modes this starts (or shares) the local server. */
export async function openConnection(plan: ConnectionPlan): Promise<Connection> {
  if (plan.mode === 'client') {
    return {
      client: plan.client,
      server: 'the injected client',
      localServer: undefined,
      release: async () => {},
    }
  }
  const { ChromaClient } = await loadChromadb()
  if (plan.mode === 'http') {
    const { host, port, ssl, headers, tenant, database } = plan
    const client: ChromaClientLike = new ChromaClient({
      host,
      port,
      ssl,
      ...(headers && { headers: { ...headers } }),
      ...(tenant !== undefined && { tenant }),
      ...(database !== undefined && { database }),
    })
    return { client, server: `${host}:${port}`, localServer: undefined, release: async () => {} }
  }
  const localServer = await startLocalChromaServer({
    ...plan.server,
    ...(plan.path !== undefined && { path: plan.path }),
  })
  const client: ChromaClientLike = new ChromaClient({
    host: localServer.host,
    port: localServer.port,
  })
  return {
    client,
    server: `${localServer.host}:${localServer.port} (local ${plan.mode} server)`,
    localServer,
    release: () => localServer.stop(),
  }
}

/** Loads the optional peer `chromadb`, or says how to install it. */
function loadChromadb(): Promise<typeof import('chromadb')> {
  return importPeer(() => import('chromadb'), 'chromadb', 'ChromaBackend')
}

function checkClient(client: unknown): ChromaClientLike {
  const methods = ['getOrCreateCollection', 'deleteCollection'] as const
  if (
    typeof client !== 'object' ||
    client === null ||
    methods.some((name) => typeof (client as Record<string, unknown>)[name] !== 'function')
  ) {
    refuse('expected client to be a ChromaClient from chromadb')
  }
  return client as ChromaClientLike
}

function isStringRecord(value: unknown): boolean {
  return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string')
}

function refuse(message: string): never {
  throw new InvalidArgumentError(`ChromaBackend: ${message}`)
}
