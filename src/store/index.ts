export * from './store-scope.js'
export * from './vector-store.js'
