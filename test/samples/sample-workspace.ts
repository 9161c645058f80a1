import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Sample } from './extract-samples.js'

/** A type error, located in the page the sample comes from. */
export interface SampleDiagnostic {
  readonly sample: Sample
  readonly message: string
}

/**
 * A scratch project outside the repo where the samples are what a user would
 * write: `vecstore` (and its subpaths) resolves through a link to this repo,
 * so to its package.json exports and dist/; other packages to the repo's
 * node_modules. Compiled with the repo's tsconfig (strict), run with node.
 */
export class SampleWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'vecstore-samples-'))
  readonly #root: string
  readonly #paths = new Map<Sample, string>()

  constructor(root: string) {
    this.#root = root
    const modules = join(this.dir, 'node_modules')
    mkdirSync(modules)
    symlinkSync(root, join(modules, 'vecstore'))
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (!name.startsWith('.')) symlinkSync(join(root, 'node_modules', name), join(modules, name))
    }
    writeFileSync(join(this.dir, 'package.json'), JSON.stringify({ type: 'module' }))
  }

  /** Writes the samples: a page's `file=` blocks under their names, the others by line. */
  add(samples: readonly Sample[]): void {
    for (const sample of samples) {
      const dir = join(this.dir, 'src', sample.doc.replace(/\.md$/, '').replace(/\W/g, '_'))
      mkdirSync(dir, { recursive: true })
      const name = sample.file ?? `line-${sample.line}.ts`
      writeFileSync(join(dir, name), sample.code)
      this.#paths.set(sample, join(dir, name))
    }
  }

  /** Type-checks and compiles every sample at once (one tsc run); returns the type errors. */
  async compile(): Promise<SampleDiagnostic[]> {
    writeFileSync(
      join(this.dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(this.#root, 'tsconfig.json'),
        compilerOptions: {
          rootDir: 'src',
          outDir: 'out',
          noEmit: false,
          declaration: false,
          sourceMap: false,
        },
        include: ['src'],
      }),
    )
    const tsc = join(this.#root, 'node_modules/typescript/bin/tsc')
    const { failed, output } = await new Promise<{ failed: boolean; output: string }>((resolve) => {
      const args = [tsc, '-p', this.dir, '--pretty', 'false']
      execFile(process.execPath, args, { cwd: this.dir }, (error, stdout, stderr) =>
        resolve({ failed: error !== null, output: stdout + stderr }),
      )
    })
    const located = [...output.matchAll(/^(.+?)\((\d+),(\d+)\): (error TS\d+: .*)$/gm)]
    // An error tsc cannot place in a sample (a bad config) fails every sample alike.
    if (failed && located.length === 0) throw new Error(`tsc failed:\n${output}`)
    return located.map(([, file, line, column, message]) => {
      const sample = this.#sampleAt(join(this.dir, file as string))
      const at = sample.line + Number(line) - 1
      return { sample, message: `${sample.doc}:${at}:${column} ${message}` }
    })
  }

  /**
   * Runs a compiled sample with node in a fresh working directory (files it
   * writes land there). It must exit by itself, with status 0, within `timeoutMs`.
   */
  run(
    sample: Sample,
    env: NodeJS.ProcessEnv,
    timeoutMs: number,
  ): Promise<{ ok: boolean; output: string }> {
    const script = (this.#paths.get(sample) as string)
      .replace(`${this.dir}/src/`, `${this.dir}/out/`)
      .replace(/\.ts$/, '.js')
    const cwd = mkdtempSync(join(tmpdir(), 'vecstore-sample-run-'))
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [script], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk))
      const timer = setTimeout(() => {
        output += `\n(still running after ${timeoutMs} ms: something it opened was not closed)`
        child.kill('SIGKILL')
      }, timeoutMs)
      child.on('close', (code) => {
        clearTimeout(timer)
        rmSync(cwd, { recursive: true, force: true })
        resolve({ ok: code === 0, output })
      })
    })
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }

  #sampleAt(path: string): Sample {
    for (const [sample, written] of this.#paths) if (written === path) return sample
    throw new Error(`tsc reported on a file that is no sample: ${path}`)
  }
}
