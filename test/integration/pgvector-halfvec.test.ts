import { afterAll, describe, it } from 'vitest'
import { nativeEngine } from '../setup/postgres-engines.js'
import { halfvecSuite } from './halfvec-suite.js'

const native = await nativeEngine('pgv_halfvec')
if ('skip' in native) {
  describe.skip(`native Postgres (skipped: ${native.skip})`, () => it('needs Postgres', () => {}))
} else {
  afterAll(() => native.close())
  halfvecSuite(native)
}
