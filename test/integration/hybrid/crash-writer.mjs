// Writes entries with text to a snapshot with full text, printing the id of each acknowledged
// write, until the parent kills it (compactions included: the threshold is small).
import { InMemoryVectorBackend } from '../../../dist/index.js'

const [path] = process.argv.slice(2)
const backend = new InMemoryVectorBackend({
  snapshotPath: path,
  fullText: { source: 'text' },
  compactionThresholdBytes: 8 * 1024,
})
process.stdin.on('end', () => process.exit(1)).resume()
process.stdout.write('ready\n')
for (let seq = 0; ; seq++) {
  const id = `e${seq}`
  const vector = Array.from({ length: 4 }, (_, i) => ((seq * 7 + i) % 5) + 1)
  await backend.upsert(id, vector, { text: `entry token${seq} shared words` })
  // Every third entry is rewritten with other text: the old text must not be found afterwards.
  if (seq % 3 === 2) await backend.upsert(id, vector, { text: `rewritten token${seq}x` })
  process.stdout.write(`${id}\n`)
}
