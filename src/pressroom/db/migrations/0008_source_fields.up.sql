-- What each source last sent, field by field (a digest per field), so that a changed page
-- revises only the fields the source changed: an editor's correction to another field through
-- the API is kept, not overwritten by the crawl's old value. Rows written before this migration
-- have none, and their next changed crawl compares every field with the article, as before.
ALTER TABLE pressroom.article_urls ADD COLUMN source_fields jsonb
    CHECK (source_fields IS NULL OR jsonb_typeof(source_fields) = 'object');
