export * from './core/index.js'
export * from './memory/index.js'
export * from './store/index.js'
export * from './embedding/index.js'
