CREATE TABLE "vecstore_vectors" (
	"id" text PRIMARY KEY NOT NULL,
	"embedding" vector NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "vecstore_vectors_payload_idx" ON "vecstore_vectors" USING gin ("payload" jsonb_path_ops);