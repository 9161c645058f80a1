-- drizzle-kit never emits CREATE EXTENSION: every later migration needs the vector type.
CREATE EXTENSION IF NOT EXISTS vector;
