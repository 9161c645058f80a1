import { type Command, integerOption, positionals, requiredOption } from '../command.js'
import { note, print } from '../output.js'
import { URI_FORMS } from '../store-uri.js'
import type { OpenStore } from '../stores/open-store.js'
import { checkDistinct, withStorePair } from '../stores/store-pair.js'
import { copyEntries } from './copy-entries.js'

/** `vecstore copy --from URI --to URI`: every entry from one backend to another. */
export const copyCommand: Command = {
  name: 'copy',
  summary: 'copy every entry from one store to another (any two backends)',
  help: `Usage: vecstore copy --from URI --to URI [--batch N] [--overwrite]

Copies every entry (id, vector, payload) from the source store to the target,
a page at a time in id order, then checks the counts. The target is created
when missing, with the source's metric and dimension; an existing target with
another metric or dimension is refused. Entries already in the target are
skipped, so an interrupted copy continues where it stopped when run again;
entries only in the target are left alone.

Options:
  --from URI      the source store (read only; must exist)
  --to URI        the target store
  --batch N       entries per page and per write (1-10000, default 1000)
  --overwrite     rewrite entries the target already has instead of skipping them
  -h, --help      show this help

${URI_FORMS}

Example:
  vecstore copy --from index.json --to 'postgres://app@db/prod?table=docs'`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    batch: { type: 'string' },
    overwrite: { type: 'boolean' },
  },
  async run(args) {
    positionals(args, [])
    const from = requiredOption(args, 'from')
    const to = requiredOption(args, 'to')
    const batch = integerOption(args, 'batch', 1000, 1, 10_000)
    const overwrite = args.values['overwrite'] === true
    checkDistinct(from, to)
    const targetOptions = (source: OpenStore) => ({
      metric: source.backend.metric,
      ...(source.backend.dim !== undefined && { dim: source.backend.dim }),
    })
    const report = await withStorePair(from, to, targetOptions, (source, target) => {
      note(
        `copying ${source.label} -> ${target.label} (${source.backend.metric}, ${source.backend.dim ?? 'no'} dims)`,
      )
      return copyEntries(source, target, { batch, overwrite })
    })
    print(
      `copied ${report.written} entries (${report.present} already in the target, ${overwrite ? 'rewritten' : 'skipped'}); ` +
        `source ${report.sourceCount}, target ${report.targetCount}: counts check out`,
    )
    return 0
  },
}
