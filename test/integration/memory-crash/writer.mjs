// Writes a stream of upserts and batches to a snapshot, printing a line per acknowledged
// write, until the parent kills it.
import { InMemoryVectorBackend } from '../../../dist/index.js'

const [path, trial] = process.argv.slice(2)
const backend = new InMemoryVectorBackend({
  snapshotPath: path,
  compactionThresholdBytes: 16 * 1024,
})
// The parent holds stdin open: when it dies without killing us, stop instead of writing on.
process.stdin.on('end', () => process.exit(1)).resume()
const vector = (seq) => Array.from({ length: 16 }, (_, i) => ((seq * 31 + i) % 17) + 1)
process.stdout.write('ready\n')
for (let seq = 0; ; seq++) {
  if (seq % 5 === 4) {
    const ids = [0, 1, 2].map((k) => `t${trial}-b${seq}-${k}`)
    await backend.upsertMany(
      ids.map((id) => ({ id, vector: vector(seq), payload: { seq, batch: seq } })),
    )
    process.stdout.write(`batch ${seq} ${ids.join(',')}\n`)
  } else {
    // A few ids are rewritten across the run: the newest acknowledged write must win.
    const id = seq % 3 === 0 ? `shared${seq % 7}` : `t${trial}-${seq}`
    await backend.upsert(id, vector(seq), { seq, trial: Number(trial) })
    process.stdout.write(`ack ${id} ${seq} ${trial}\n`)
  }
}
