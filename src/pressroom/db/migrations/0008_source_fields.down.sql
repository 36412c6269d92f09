ALTER TABLE pressroom.article_urls DROP COLUMN source_fields;
