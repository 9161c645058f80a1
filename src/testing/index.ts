// vecstore/testing: the backend conformance suite, for any framework.
// Every name here is part of the public API (see docs/writing-a-backend.md).

export { describeBackend } from './conformance.js'
export type {
  BackendFactory,
  BackendFactoryOptions,
  ConformanceOptions,
  TestHarness,
} from './harness.js'
