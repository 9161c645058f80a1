export type * from './embedder.js'
export * from './hashing-embedder.js'
