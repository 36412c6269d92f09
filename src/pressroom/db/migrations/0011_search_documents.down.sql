DROP TRIGGER articles_language_tags ON pressroom.articles;
DROP FUNCTION pressroom.reparse_article_tags();

-- The vectors of 0004, on the articles themselves again.
ALTER TABLE pressroom.articles
    ADD COLUMN head_vector tsvector NOT NULL DEFAULT '',
    ADD COLUMN body_vector tsvector NOT NULL DEFAULT '';

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_settings
                WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE pressroom.articles ALTER COLUMN head_vector SET COMPRESSION lz4,
                                       ALTER COLUMN body_vector SET COMPRESSION lz4;
    END IF;
END
$$;

CREATE FUNCTION pressroom.set_article_text_vectors() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    NEW.head_vector := article_head_vector(NEW.language, NEW.title, NEW.summary);
    -- The body is by far the longest part: parsed again only when it (or its language) changed.
    IF TG_OP = 'INSERT' OR NEW.body IS DISTINCT FROM OLD.body
       OR NEW.language IS DISTINCT FROM OLD.language OR NEW.body_vector IS DISTINCT FROM OLD.body_vector THEN
        NEW.body_vector := article_body_vector(NEW.language, NEW.body);
    END IF;
    -- Tags are parsed with the article's language too.
    IF TG_OP = 'UPDATE' AND NEW.language IS DISTINCT FROM OLD.language THEN
        NEW.tag_vector := article_tag_vector(NEW.language, article_tag_names(NEW.id, NEW.published_at));
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER articles_text_vectors
    BEFORE INSERT OR UPDATE OF language, title, summary, body, head_vector, body_vector
    ON pressroom.articles
    FOR EACH ROW EXECUTE FUNCTION pressroom.set_article_text_vectors();

-- Fires the trigger above for every article.
UPDATE pressroom.articles SET body_vector = '';

CREATE INDEX articles_search ON pressroom.articles
    USING gin ((head_vector || tag_vector || body_vector));
CREATE INDEX articles_search_head ON pressroom.articles USING gin (head_vector);

DROP TRIGGER articles_unindex_truncated ON pressroom.articles;
DROP TRIGGER articles_unindex_deleted ON pressroom.articles;
DROP TRIGGER articles_reindex_changed ON pressroom.articles;
DROP TRIGGER articles_index_new ON pressroom.articles;
DROP FUNCTION pressroom.unindex_truncated_articles();
DROP FUNCTION pressroom.unindex_deleted_articles();
DROP FUNCTION pressroom.reindex_changed_articles();
DROP FUNCTION pressroom.index_new_articles();
DROP FUNCTION pressroom.index_articles(pressroom.articles[]);
DROP FUNCTION pressroom.search_document(pressroom.articles, tsvector);
DROP TABLE pressroom.search_documents;
DROP FUNCTION pressroom.search_terms(tsvector, tsvector);
DROP FUNCTION pressroom.search_markers(integer, text, timestamptz);
DROP FUNCTION pressroom.phrase_places(text, text);
DROP FUNCTION pressroom.phrase_pairs(text, text);
DROP FUNCTION pressroom.adjacent_pairs(tsvector);
DROP FUNCTION pressroom.word_pair(text, integer, text);
