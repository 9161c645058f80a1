#!/usr/bin/env node
// The `vecstore` command. An installed package runs the compiled dist/. A source checkout that
// has not been built yet (a fresh clone after `npm install`) runs the TypeScript sources through
// tsx, one of its dev dependencies, so `npx vecstore demo` works right away.
import { existsSync } from 'node:fs'

const built = new URL('../dist/cli/bin.js', import.meta.url)
const source = new URL('../src/cli/bin.ts', import.meta.url)

if (existsSync(built) || !existsSync(source)) {
  await import(built.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(source.href)
}
