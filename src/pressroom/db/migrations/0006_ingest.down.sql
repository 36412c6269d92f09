DROP TABLE pressroom.ingest_checkpoints;
ALTER TABLE pressroom.article_urls DROP COLUMN source_hash;
