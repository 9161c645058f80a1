import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../setup/temp-dir.js'

// scripts/debian-mirror.sh reads the machine's apt sources; here apt is pointed at sources of the
// test's own (APT_CONFIG), written in both formats. Host names are made up for the test.
const temp = makeTempDir('vecstore-apt-')
afterAll(temp.cleanup)
const codename = execFileSync('sh', ['-c', '. /etc/os-release && echo "$VERSION_CODENAME"'], {
  encoding: 'utf8',
}).trim()

let configs = 0
function mirrorFor(files: Record<string, string>, env: Record<string, string> = {}): string {
  const dir = join(temp.dir, String(configs++))
  mkdirSync(join(dir, 'parts'), { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  writeFileSync(
    join(dir, 'apt.conf'),
    `Dir::Etc::sourcelist "${dir}/sources.list";\nDir::Etc::sourceparts "${dir}/parts";\n`,
  )
  return execFileSync('bash', ['scripts/debian-mirror.sh'], {
    encoding: 'utf8',
    env: { ...process.env, APT_CONFIG: join(dir, 'apt.conf'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim()
}

describe.runIf(codename)('scripts/debian-mirror.sh', () => {
  it('takes the archive of the machine’s codename from deb822 sources, not the security one', () => {
    const sources = [
      `Types: deb\nURIs: http://security.example/debian-security\nSuites: ${codename}-security\nComponents: main\n`,
      `Types: deb deb-src\n# a comment\nURIs: http://archive.example/debian\nSuites: ${codename} ${codename}-updates\nComponents: main contrib\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n`,
    ].join('\n')
    expect(mirrorFor({ 'parts/debian.sources': sources })).toBe('http://archive.example/debian')
  })

  it('reads one-line sources with options, and skips disabled and other suites', () => {
    expect(
      mirrorFor({
        'sources.list': [
          `deb http://security.example/debian-security ${codename}-security main`,
          `deb [arch=amd64 signed-by=/k.gpg] http://proxy.example:3142/debian ${codename} main`,
        ].join('\n'),
        'parts/off.sources': `Types: deb\nURIs: http://off.example/debian\nSuites: ${codename}\nComponents: main\nEnabled: no\n`,
        'parts/other.list': `deb http://vendor.example/apt ${codename} stable\n`,
      }),
    ).toBe('http://proxy.example:3142/debian')
  })

  it('fails, naming the variable to set, when no source fits; the variable wins', () => {
    expect(() => mirrorFor({ 'sources.list': '' })).toThrow(/VECSTORE_DEBIAN_MIRROR/)
    expect(mirrorFor({}, { VECSTORE_DEBIAN_MIRROR: 'http://mine.example/debian' })).toBe(
      'http://mine.example/debian',
    )
  })
})
