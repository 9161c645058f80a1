export * from './chroma-backend.js'
export type * from './chroma-backend-config.js'
export type * from './chroma-api.js'
export * from './local-server.js'
