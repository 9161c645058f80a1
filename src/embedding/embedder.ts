/**
 * Turns texts into vectors. Apps implement it with their embedding provider;
 * vecstore ships {@link HashingEmbedder}, a lexical one for demos and tests.
 *
 * @example
 * ```ts
 * const embedder: Embedder = {
 *   model: 'text-embedding-3-small',
 *   dimensions: 1536,
 *   embed: async (texts) => (await openai.embeddings.create({ model: 'text-embedding-3-small', input: [...texts] })).data.map((d) => d.embedding),
 * }
 * ```
 */
export interface Embedder {
  /** Model name, stored with each entry (`embeddingModel`) so mixed models can be told apart. */
  readonly model: string
  /** Length of every vector `embed` returns. */
  readonly dimensions: number
  /** One vector per text, in the same order. */
  embed(texts: readonly string[]): Promise<readonly (readonly number[] | Float32Array)[]>
  /** The most texts one `embed` call may take (the provider's limit). Default: no limit of its own. */
  readonly maxBatchSize?: number
}
