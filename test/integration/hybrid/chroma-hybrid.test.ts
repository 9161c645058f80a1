import { afterAll, expect, it } from 'vitest'
import { ChromaBackend } from '../../../src/chroma/index.js'
import { UnsupportedFeatureError, VectorStore } from '../../../src/index.js'
import { collectionNames } from '../../setup/chroma.js'

// Chroma's where_document filter can match text but not rank it: hybrid search is refused with
// a typed error on a real server, and nothing is written or changed by the attempt.
const names = collectionNames('hyb')
const backend = await ChromaBackend.create(names.next(), { metric: 'cosine', dim: 2 })
afterAll(() => backend.close())

it('refuses hybridSearch with UnsupportedFeatureError, through the backend and the store', async () => {
  await backend.upsert('a', [1, 0], { text: 'libfoo2 bindings' })
  const query = { vector: [1, 0], text: 'libfoo2' }
  const refused = backend.hybridSearch(query, 5, {})
  await expect(refused).rejects.toThrow(UnsupportedFeatureError)
  await expect(refused).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE' })
  const store = new VectorStore(backend)
  await expect(store.search({ ...query, topK: 5 })).rejects.toThrow(UnsupportedFeatureError)
  expect(await backend.count({})).toBe(1)
})
