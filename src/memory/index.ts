export * from './in-memory-vector-backend.js'
export type * from './in-memory-vector-backend-config.js'
