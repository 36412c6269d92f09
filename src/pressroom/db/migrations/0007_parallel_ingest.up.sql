-- Parallel ingestion: batches merged on several connections commit out of order, so one "last
-- record" per input can no longer say what is done. Each committed batch records the range of
-- input records it covered (places in the input, not lines: a minified feed has many records on
-- one line) and its counts, in the same transaction as its rows: a resumed run skips exactly
-- the records of committed batches, however they interleave, and redoes the rest.
CREATE TABLE pressroom.ingest_batches (
    source       text NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
    first_record bigint NOT NULL CHECK (first_record >= 1),
    last_record  bigint NOT NULL,
    counts       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(counts) = 'object'),
    committed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, first_record),
    CHECK (last_record >= first_record)
);

-- Checkpoints are transient: an ingest interrupted before this upgrade starts over, which
-- changes nothing it already did (merging is idempotent).
DROP TABLE pressroom.ingest_checkpoints;
