export * from './conformance.js'
export * from './harness.js'
export * from './fixtures.js'
