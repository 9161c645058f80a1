import { InvalidArgumentError } from '../core/errors.js'

const LABEL_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/
// Leaves at least 128 of an id's 256 characters to the entry id.
const MAX_PREFIX_LENGTH = 128

/**
 * Labels that confine a {@link VectorStore} call to one tenant, user or
 * namespace. Each label `key: value` is stored as the payload field
 * `scope_<key>`; every read, count and delete is restricted to it.
 *
 * @example
 * ```ts
 * const scope = new StoreScope({ tenant: 'acme', user: 'u1' })
 * scope.toPayloadFilters() // { scope_tenant: 'acme', scope_user: 'u1' }
 * ```
 */
export class StoreScope {
  /** The scope that confines nothing: usable for writes, refused by {@link VectorStore.clear}. */
  static readonly GLOBAL = new StoreScope()

  /** The labels, sorted by key. */
  readonly labels: Readonly<Record<string, string>>

  constructor(labels: Record<string, string> = {}) {
    const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    for (const [key, value] of entries) {
      if (!LABEL_KEY.test(key)) {
        throw new InvalidArgumentError(
          `invalid scope label ${JSON.stringify(key.slice(0, 40))}: expected 1-64 letters, digits or _ . : -`,
        )
      }
      if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
        throw new InvalidArgumentError(
          `scope label '${key}' expects a string of 1 to 128 characters`,
        )
      }
    }
    this.labels = Object.freeze(Object.fromEntries(entries))
    if (this.idPrefix().length > MAX_PREFIX_LENGTH) {
      throw new InvalidArgumentError(
        `scope labels too long: at most ${MAX_PREFIX_LENGTH} characters once encoded`,
      )
    }
  }

  /** True when the scope has no label. */
  get isGlobal(): boolean {
    return Object.keys(this.labels).length === 0
  }

  /** The flat filter `{ scope_<key>: value }` that selects this scope's entries. */
  toPayloadFilters(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.labels).map(([k, v]) => [`scope_${k}`, v]))
  }

  /**
   * A prefix for backend ids, so two scopes can hold the same entry id
   * without collision: `k=v&k2=v2|`, values URL-encoded (never a `|`), or
   * just `|` for the global scope.
   */
  idPrefix(): string {
    const parts = Object.entries(this.labels).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    return `${parts.join('&')}|`
  }
}
