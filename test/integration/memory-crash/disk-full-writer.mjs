// Writes until the file-size limit set by the parent (ulimit -f) makes a write fail,
// then tries more writes, printing every acknowledged id.
import { InMemoryVectorBackend } from '../../../dist/index.js'

const [path, threshold] = process.argv.slice(2)
const backend = new InMemoryVectorBackend({
  snapshotPath: path,
  compactionThresholdBytes: Number(threshold),
})
const vector = (i) => Array.from({ length: 64 }, (_, j) => j + i + 1)
let failures = 0
for (let i = 0; i < 100_000 && failures < 20; i++) {
  try {
    if (i % 4 === 3) {
      const ids = [0, 1].map((k) => `b${i}-${k}`)
      await backend.upsertMany(ids.map((id) => ({ id, vector: vector(i), payload: { i } })))
      process.stdout.write(`ack ${ids.join(' ')}\n`)
    } else {
      await backend.upsert(`id${i}`, vector(i), { i })
      process.stdout.write(`ack id${i}\n`)
    }
  } catch (error) {
    failures++
    process.stdout.write(`failed ${error.name}\n`)
  }
}
