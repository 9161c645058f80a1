import { createInterface } from 'node:readline/promises'
import type { SourceDocument, StoreScope, VectorStore } from '../../index.js'
import { print } from '../output.js'
import { previewOf, sectionOf } from './corpus.js'

/** Answers one question: ranked chunks with score, source file and section. */
export async function answer(
  store: VectorStore,
  documents: ReadonlyMap<string, SourceDocument>,
  scope: StoreScope,
  question: string,
  topK: number,
  hybrid = false,
): Promise<void> {
  print(`? ${question}`)
  const results = await store.retrieve(question, { topK, scope, hybrid })
  if (results.length === 0) print('  (no entries)')
  for (const { entry, score, rank } of results) {
    const source = String(entry.documentId)
    const section = sectionOf(documents.get(source), entry.content)
    const preview = previewOf(entry.content)
    print(`  ${rank}. ${score.toFixed(hybrid ? 4 : 3)}  ${source} > ${section}`)
    print(`     ${preview.slice(0, 100)}${preview.length > 100 ? '…' : ''}`)
  }
  print()
}

/** Asks for questions on the terminal until an empty line or end of input. */
export async function askInteractively(ask: (question: string) => Promise<void>): Promise<void> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr })
  try {
    for (;;) {
      const question = (
        await terminal.question('ask (empty line to quit)> ').catch(() => '')
      ).trim()
      if (question === '') return
      await ask(question)
    }
  } finally {
    terminal.close()
  }
}
