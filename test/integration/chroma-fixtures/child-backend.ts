// Run by chroma-process.test.ts in a child process:
//   node --import tsx child-backend.ts <ephemeral|persistent> <path> <return|exit|throw|wait>
// Opens a backend, writes one entry, prints its local server as JSON, then
// ends the way it was asked to, never calling close().
import { ChromaBackend } from '../../../src/chroma/index.js'

const [mode, path, ending] = process.argv.slice(2)
const backend = await ChromaBackend.create('child', mode === 'persistent' ? { path } : {})
await backend.upsert('from-child', [1, 0, 0], { pid: process.pid })
process.stdout.write(`${JSON.stringify(backend.localServer)}\n`)

if (ending === 'exit') process.exit(0)
if (ending === 'throw') throw new Error('child failed on purpose')
// Keeps the process alive until it is killed.
if (ending === 'wait') setInterval(() => undefined, 1000)
