-- Bulk ingestion: what each source last said about a URL, and where each input file got to.

-- A digest of the article as its source last sent it. A re-crawl with the same digest is a
-- repeat and costs nothing; a different one is compared field by field with the article and
-- becomes a revision of what changed. Compared with the source, not with the article, so an
-- editor's revision through the API is not undone by the next crawl of an unchanged page.
ALTER TABLE pressroom.article_urls ADD COLUMN source_hash bytea;

-- Resuming an interrupted ingest: the last input record whose batch committed (its place in
-- the input, not its line: a minified feed has many records on one line), and the counts so
-- far, written in the same transaction as the batch, so a batch is never lost nor applied twice.
CREATE TABLE pressroom.ingest_checkpoints (
    source      text PRIMARY KEY CHECK (length(source) BETWEEN 1 AND 500),
    last_record bigint NOT NULL CHECK (last_record >= 0),
    counts     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(counts) = 'object'),
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
