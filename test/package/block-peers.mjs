// A module hook that makes the optional peers unresolvable, as on an app that installed none.
import { register } from 'node:module'

const BLOCKED = [
  'chromadb',
  'drizzle-orm',
  'postgres',
  'pg',
  '@electric-sql/',
  'fast-check',
  'chroma-server-legacy',
]

const hooks = `
const BLOCKED = ${JSON.stringify(BLOCKED)}
export async function resolve(specifier, context, next) {
  if (BLOCKED.some((name) => specifier === name || specifier.startsWith(name.endsWith('/') ? name : name + '/'))) {
    const error = new Error("Cannot find package '" + specifier + "'")
    error.code = 'ERR_MODULE_NOT_FOUND'
    throw error
  }
  return next(specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)
