// Checks (or with --update, rewrites) the API report of every entry point in package.json
// "exports": etc/<entry>.api.md, made by API Extractor from the built .d.ts files. CI fails when
// the public API changes without its report, or when an exported name has no documentation.
import { readFileSync } from 'node:fs'
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor'

const update = process.argv.includes('--update')
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: Record<string, { types: string } | string>
}

let failed = false
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === 'string') continue
  const name = subpath === '.' ? 'vecstore' : `vecstore.${subpath.slice(2)}`
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: process.cwd(),
      mainEntryPointFilePath: `<projectFolder>/${target.types}`,
      compiler: { tsconfigFilePath: '<projectFolder>/tsconfig.build.json' },
      apiReport: {
        enabled: true,
        reportFileName: `${name}.api.md`,
        reportFolder: '<projectFolder>/etc/',
        reportTempFolder: '<projectFolder>/dist/api-temp/',
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning },
          // Every exported name carries its documentation.
          'ae-undocumented': { logLevel: ExtractorLogLevel.Error, addToApiReportFile: false },
          // An entry point's signatures name types of another entry point (DistanceMetric is
          // exported from 'vecstore'): API Extractor sees one entry at a time, so these are expected.
          'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
          // Release tags (@public, @beta) are not used in this package.
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: `${process.cwd()}/package.json`,
  })
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false })
  // With --update, a changed report is written and reported as one warning: that one is expected.
  const warnings = result.warningCount - (update && result.apiReportChanged ? 1 : 0)
  if (!result.succeeded || warnings > 0) {
    failed = true
    console.error(
      `${subpath}: ${result.errorCount} errors, ${result.warningCount} warnings` +
        (result.apiReportChanged ? ` (etc/${name}.api.md is out of date: npm run api:update)` : ''),
    )
  }
}
process.exit(failed ? 1 : 0)
