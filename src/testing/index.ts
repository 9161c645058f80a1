// vecstore/testing: the backend conformance suite, for any framework.
// Every name here is part of the public API (see docs/writing-a-backend.md).

export { describeBackend } from './conformance.js'
export {
  type BackendFactory,
  type BackendFactoryOptions,
  CAPABILITIES,
  type Capability,
  type ConformanceOptions,
  type TestHarness,
} from './harness.js'
