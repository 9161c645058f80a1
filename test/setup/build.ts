import { execFileSync } from 'node:child_process'

// Tests that run code in child processes, or check what ships, import dist/: build it once per run.
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  })
}
