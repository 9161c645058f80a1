import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lockDataDir } from '../../src/chroma/data-dir-lock.js'
import { makeTempDir } from '../setup/temp-dir.js'

const contender = new URL('./pid-lock/contender.ts', import.meta.url).pathname
const temp = makeTempDir('vecstore-lock-')
afterAll(temp.cleanup)

function contend(dir: string, rounds: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', contender, dir, String(rounds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', () => resolve(output))
  })
}

describe('the data-directory lock', () => {
  it('is held by one process at a time while four processes race for it', async () => {
    const outputs = await Promise.all([1, 2, 3, 4].map(() => contend(temp.dir, 2000)))
    const lines = outputs.join('').trim().split('\n')
    expect(lines.filter((line) => line === 'violation')).toEqual([])
    const acquired = lines.filter((line) => line.startsWith('done ')).map((l) => Number(l.slice(5)))
    expect(acquired).toHaveLength(4)
    expect(acquired.reduce((a, b) => a + b)).toBeGreaterThan(100)
  }, 60_000)

  it('takes over a lock whose process is gone, and refuses a live holder', async () => {
    writeFileSync(join(temp.dir, 'vecstore-chroma.lock'), JSON.stringify({ pid: 999_999_999 }))
    const lock = await lockDataDir(temp.dir, 0)
    await expect(lockDataDir(temp.dir, 0)).rejects.toThrow(/in use by process/)
    lock.release()
  })
})
