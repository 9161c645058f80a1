import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Writes all of `bytes`: a file write may write less than asked and still succeed. */
export async function writeFully(file: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset)
    if (bytesWritten === 0) throw new Error('the file accepts no more bytes (disk full?)')
    offset += bytesWritten
  }
}

/** Writes `chunks` to `<path>.tmp` (fsynced when asked) and returns the temp path and size. */
export async function writeTemp(
  path: string,
  chunks: Iterable<string>,
  fsync: boolean,
): Promise<{ temp: string; size: number }> {
  const temp = `${path}.tmp`
  const file = await open(temp, 'w')
  let size = 0
  try {
    let pending = ''
    for (const chunk of chunks) {
      pending += chunk
      if (pending.length < 1 << 20) continue
      const bytes = Buffer.from(pending)
      await writeFully(file, bytes)
      size += bytes.length
      pending = ''
    }
    const bytes = Buffer.from(pending)
    await writeFully(file, bytes)
    size += bytes.length
    if (fsync) await file.sync()
  } finally {
    await file.close()
  }
  return { temp, size }
}

/** The synchronous form, for small files written while opening: temp file, fsync, rename, fsync the directory. */
export function writeAtomicallySync(path: string, text: string): void {
  const temp = `${path}.tmp`
  const fd = openSync(temp, 'w')
  try {
    const bytes = Buffer.from(text)
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, path)
  syncDirectory(dirname(path))
}

/** fsyncs a directory, so a rename in it survives power loss. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
