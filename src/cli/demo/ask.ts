import { createInterface } from 'node:readline/promises'
import type { Embedder } from '../../index.js'
import type { StoreScope } from '../../index.js'
import type { VectorStore } from '../../index.js'
import { print } from '../output.js'

/** Answers one question: ranked hits with score, source file and section. */
export async function answer(
  store: VectorStore,
  embedder: Embedder,
  scope: StoreScope,
  question: string,
  topK: number,
): Promise<void> {
  const [vector] = await embedder.embed([question])
  print(`? ${question}`)
  const results = await store.search({ vector: vector as number[], topK, scope })
  if (results.length === 0) print('  (no entries)')
  for (const { entry, score, rank } of results) {
    const preview = entry.content.replace(/\s+/g, ' ').slice(0, 100)
    print(
      `  ${rank}. ${score.toFixed(3)}  ${entry.documentId} > ${String(entry.metadata['section'])}`,
    )
    print(`     ${preview}${entry.content.length > 100 ? '…' : ''}`)
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
