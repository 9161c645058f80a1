import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './cli-errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

/** One subcommand: its help text, options (parsed by `node:util` parseArgs) and body. */
export interface Command {
  readonly name: string
  /** One line for the command list. */
  readonly summary: string
  /** The full `--help` text. */
  readonly help: string
  readonly options: Options
  /** Runs the command; resolves to the exit code. */
  run(args: ParsedArgs): Promise<number>
}

/** Parsed options (strings, booleans or repeated strings) and positionals. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>
  readonly positionals: string[]
}

/** Parses a command's arguments strictly; unknown options are a {@link UsageError}. */
export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs | 'help' {
  let parsed: ParsedArgs
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    // parseArgs names the option and what was wrong; drop its hint about '--' ("To specify ...").
    throw new UsageError((error as Error).message.replace(/\s*To specify.*$/s, ''))
  }
  return parsed.values['help'] === true ? 'help' : parsed
}

/** A string option's value, or undefined. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name]
  return typeof value === 'string' ? value : undefined
}

/** A required string option. */
export function requiredOption(args: ParsedArgs, name: string): string {
  const value = stringOption(args, name)
  if (value === undefined) throw new UsageError(`missing --${name}`)
  return value
}

/** A repeated string option's values. */
export function stringList(args: ParsedArgs, name: string): string[] {
  const value = args.values[name]
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string')
}

/** A whole-number option within bounds. */
export function integerOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = stringOption(args, name)
  if (text === undefined) return fallback
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`expected --${name} to be a whole number from ${min} to ${max}`)
  }
  return value
}

/** Exactly `count` positional arguments, named for the message. */
export function positionals(args: ParsedArgs, names: readonly string[]): string[] {
  if (args.positionals.length !== names.length) {
    throw new UsageError(
      args.positionals.length < names.length
        ? `missing ${names.slice(args.positionals.length).join(' ')}`
        : `unexpected argument ${JSON.stringify(args.positionals[names.length])}`,
    )
  }
  return args.positionals
}
