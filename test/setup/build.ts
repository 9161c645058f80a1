import { execFileSync } from 'node:child_process'

// Tests that run code in child processes, or check what ships, import dist/: build it once per run
// (VECSTORE_SKIP_BUILD=1 reuses a dist/ built already).
export default function setup(): void {
  if (process.env['VECSTORE_SKIP_BUILD'] === '1') return
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  })
}
