import { UsageError } from '../cli-errors.js'

/** Backends `demo --backend` accepts. */
export const DEMO_BACKENDS = ['pglite', 'memory', 'postgres', 'chroma'] as const
/** One of {@link DEMO_BACKENDS}. */
export type DemoBackend = (typeof DEMO_BACKENDS)[number]

/** Where the demo keeps its index for a backend, unless `--store` says otherwise. */
export function demoStoreUri(backend: string, env: NodeJS.ProcessEnv = process.env): string {
  switch (backend as DemoBackend) {
    case 'pglite':
      return 'pglite:.vecstore/demo?table=vecstore_demo'
    case 'memory':
      return 'memory:.vecstore/demo.json'
    case 'chroma':
      return 'chroma:.vecstore/chroma?collection=vecstore-demo'
    case 'postgres': {
      const url = env['DATABASE_URL']
      if (!url) {
        throw new UsageError('--backend postgres needs DATABASE_URL or --store postgres://...')
      }
      const separator = url.includes('?') ? '&' : '?'
      return `${url}${separator}table=vecstore_demo`
    }
    default:
      throw new UsageError(`expected --backend to be one of ${DEMO_BACKENDS.join(', ')}`)
  }
}
