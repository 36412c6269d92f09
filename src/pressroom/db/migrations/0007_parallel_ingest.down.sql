CREATE TABLE pressroom.ingest_checkpoints (
    source      text PRIMARY KEY CHECK (length(source) BETWEEN 1 AND 500),
    last_record bigint NOT NULL CHECK (last_record >= 0),
    counts     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(counts) = 'object'),
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
DROP TABLE pressroom.ingest_batches;
