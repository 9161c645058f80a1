import { VectorStoreError } from '../index.js'
import { describeError, UsageError } from './cli-errors.js'
import { type Command, parseCommandArgs } from './command.js'
import { copyCommand } from './commands/copy.js'
import { demoCommand } from './commands/demo.js'
import { doctorCommand } from './commands/doctor.js'
import { explainCommand } from './commands/explain.js'
import { indexCommand } from './commands/index.js'
import { initMigrationsCommand } from './commands/init-migrations.js'
import { migrateCommand } from './commands/migrate.js'
import { reembedCommand } from './commands/reembed.js'
import { statsCommand } from './commands/stats.js'
import { tuneCommand } from './commands/tune.js'
import { note, print } from './output.js'

const COMMANDS: readonly Command[] = [
  demoCommand,
  copyCommand,
  indexCommand,
  migrateCommand,
  initMigrationsCommand,
  doctorCommand,
  reembedCommand,
  statsCommand,
  explainCommand,
  tuneCommand,
]

/** Exit codes: success, a failure (the message says why), a wrong command line. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

const HELP = `Usage: vecstore <command> [options]

One vector-store interface over in-memory, Chroma and Postgres + pgvector.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(15)} ${command.summary}`).join('\n')}

Run 'vecstore <command> --help' for a command's options and the store URI forms.`

/** Runs the command line (without `node` and the script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(HELP)
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  const command = COMMANDS.find((candidate) => candidate.name === name)
  if (command === undefined) {
    note(`vecstore: unknown command ${JSON.stringify(name)}\n\n${HELP}`)
    return EXIT.usage
  }
  try {
    const args = parseCommandArgs(command, rest)
    if (args === 'help') {
      print(command.help)
      return EXIT.ok
    }
    return await command.run(args)
  } catch (error) {
    return report(command.name, error)
  }
}

function report(command: string, error: unknown): number {
  if (error instanceof UsageError) {
    note(`vecstore ${command}: ${error.message}\nRun 'vecstore ${command} --help' for usage.`)
    return EXIT.usage
  }
  const message = redactCredentials(describeError(error))
  if (error instanceof VectorStoreError) note(`vecstore ${command}: ${message} [${error.code}]`)
  else note(`vecstore ${command}: unexpected error: ${message}`)
  if (process.env['VECSTORE_DEBUG'] === '1') note(String((error as Error | undefined)?.stack))
  return EXIT.failed
}

// Messages are built without credentials; this is the last line of defence for a driver's text.
function redactCredentials(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:\s]*):[^@\s]*@/g, '$1:***@')
}
