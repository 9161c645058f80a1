/** A value JSON can carry. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** An entry's payload: a JSON object. */
export type Payload = { [key: string]: JsonValue }
