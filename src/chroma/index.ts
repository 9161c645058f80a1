// vecstore/chroma: ChromaBackend and the local Chroma server it can start.
// Every name here is part of the public API (see docs/chroma.md).

export type {
  ChromaClientLike,
  ChromaCollectionLike,
  ChromaGetResult,
  ChromaInclude,
  ChromaMetadata,
  ChromaMetadataValue,
  ChromaOperatorExpression,
  ChromaQueryResult,
  ChromaWhere,
} from './chroma-api.js'
export { ChromaBackend } from './chroma-backend.js'
export type {
  ChromaBackendConfig,
  ChromaHnswOptions,
  ChromaRetryOptions,
  LocalChromaServerOptions,
} from './chroma-backend-config.js'
export {
  type LocalChromaServer,
  type LocalChromaServerInfo,
  runningLocalChromaServers,
  startLocalChromaServer,
} from './local-server.js'
