// Takes and releases the lock of one directory many times, checking that nobody else holds it
// meanwhile; prints "violation" when two holders overlap, then "done <acquisitions>".
import { closeSync, openSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { lockDataDir } from '../../../src/chroma/data-dir-lock.js'

const [dir, rounds] = process.argv.slice(2) as [string, string]
const marker = join(dir, 'holder')
let acquired = 0
for (let round = 0; round < Number(rounds); round++) {
  let lock: { release(): void }
  try {
    lock = await lockDataDir(dir, 0)
  } catch {
    continue // held by a live contender: try again
  }
  acquired++
  try {
    closeSync(openSync(marker, 'wx'))
  } catch {
    process.stdout.write('violation\n')
    lock.release()
    continue
  }
  unlinkSync(marker)
  lock.release()
}
process.stdout.write(`done ${acquired}\n`)
