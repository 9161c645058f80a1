import { importPeer } from '../internal/peer.js'

/** The fast-check module. */
export type FastCheck = typeof import('fast-check')

/** fast-check, an optional peer: only the property and fuzz cases load it, when they run. */
export function loadFastCheck(): Promise<FastCheck> {
  return importPeer(
    () => import('fast-check'),
    'fast-check',
    "vecstore/testing's property and fuzz cases",
  )
}
