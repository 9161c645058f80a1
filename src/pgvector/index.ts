// PgvectorBackend lands here; the entry exists so the subpath export resolves.
export {}
