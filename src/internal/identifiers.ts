import { InvalidArgumentError } from '../core/errors.js'

// Plain identifiers only: they are quoted anyway, this keeps hostile names out entirely.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Checks a table, schema or index name: letters, digits and `_`, not starting with a digit. */
export function validateIdentifier(kind: string, name: unknown, maxLength = 63): string {
  if (typeof name !== 'string' || name.length > maxLength || !IDENTIFIER.test(name)) {
    throw new InvalidArgumentError(
      `invalid ${kind} name ${JSON.stringify(String(name).slice(0, 40))}: expected 1-${maxLength} letters, digits or _, not starting with a digit`,
    )
  }
  return name
}

/**
 * Quotes a possibly schema-qualified SQL identifier (`"schema"."table"`);
 * an undefined part is left out. The one place vecstore quotes a name.
 */
export function quoteIdentifier(...parts: readonly (string | undefined)[]): string {
  return parts
    .filter((part) => part !== undefined)
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.')
}
