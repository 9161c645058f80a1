import { afterAll } from 'vitest'
import { pgliteEngine } from '../setup/postgres-engines.js'
import { halfvecSuite } from './halfvec-suite.js'

// In the long tier: PGlite (WASM) takes over a minute to build this HNSW index.
const engine = await pgliteEngine()
afterAll(() => engine.close())
halfvecSuite(engine)
