// vecstore/pgvector: PgvectorBackend, the vectorTable() schema factory and the migrations.
// Every name here is part of the public API (see docs/pgvector.md).

export type { AnyPgDatabase, PGliteInstance } from './connection.js'
export { type Diagnosis, diagnose, type SchemaProblem } from './diagnose.js'
export type { SearchPlan } from './explain.js'
export type { HybridPlan } from './hybrid-search.js'
export {
  migrate,
  type MigrateOptions,
  type MigrationResult,
  type MigrationTarget,
  migrationsFolder,
  migrationsSchema,
  migrationsTable,
} from './migrations.js'
export { resolveView, switchView, type SwitchViewOptions, type ViewTarget } from './live-view.js'
export { nearest, type NearestTo } from './nearest.js'
export { PgvectorBackend, type PgvectorStats, tune } from './pgvector-backend.js'
export type { TuneOptions, TunePoint, TuneResult } from './tune.js'
export type { TunedParameter, TunedSetting } from './tuned-setting.js'
export { type RecordTable, type RecordTableOptions, recordTable } from './record-table.js'
export {
  ITERATIVE_SCAN_MODES,
  type IterativeScanMode,
  type PgvectorBackendConfig,
  type PgvectorSearchOptions,
} from './pgvector-backend-config.js'
export type { ReplicaStatus } from './replica.js'
export type { ReplicaOptions } from './replica-config.js'
export {
  type FullTextOptions,
  QUANTIZATIONS,
  type Quantization,
  type TableLayoutOptions,
  VECTOR_INDEX_KINDS,
  VECTOR_TYPES,
  type VectorIndexKind,
  type VectorType,
} from './table-spec.js'
export {
  type AppColumnBuilders,
  type PayloadTable,
  type TimestampColumns,
  type VectorTable,
  type VectorTableColumns,
  type VectorTableOptions,
  vectorTable,
} from './vector-table.js'
