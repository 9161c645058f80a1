import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** A compiled copy of the library: `dist` of a git commit, or of the working tree. */
export interface Build {
  /** The commit, or `working tree`. */
  readonly label: string
  /** The compiled `dist` directory: import `${dist}/index.js` and the subpaths from it. */
  readonly dist: string
}

/**
 * Compiles `src` of a git ref (or the working tree, with `ref` undefined)
 * into a temp directory with the repo's tsconfig and node_modules, so two
 * versions of the library can run side by side in one process.
 */
export function buildLibrary(ref: string | undefined): Build {
  const dir = mkdtempSync(join(tmpdir(), 'vecstore-build-'))
  let label = 'working tree'
  if (ref === undefined) {
    cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true })
  } else {
    label = execFileSync('git', ['rev-parse', '--short', ref], {
      cwd: root,
      encoding: 'utf8',
    }).trim()
    execFileSync('sh', ['-c', 'git archive "$0" src | tar -x -C "$1"', ref, dir], { cwd: root })
  }
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    copyFileSync(join(root, file), join(dir, file))
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'))
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  )
  return { label, dist: join(dir, 'dist') }
}

/** The commit where the working tree's branch left `ref`: "before" for this branch's changes alone. */
export function mergeBase(ref: string): string {
  return execFileSync('git', ['merge-base', 'HEAD', ref], { cwd: root, encoding: 'utf8' }).trim()
}
