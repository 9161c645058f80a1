import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'

/** What a reader needs to judge absolute figures: the machine the run was on. */
export interface Machine {
  readonly cpuModel: string
  readonly cores: number
  readonly ramGiB: number
  readonly os: string
  readonly kernel: string
  readonly node: string
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8')
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? process.platform
  } catch {
    return process.platform
  }
}

export function describeMachine(): Machine {
  const all = cpus()
  return {
    cpuModel: all[0]?.model.trim() ?? 'unknown',
    cores: all.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    kernel: release(),
    node: process.version,
  }
}
