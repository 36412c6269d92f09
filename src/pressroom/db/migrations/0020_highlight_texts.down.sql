-- Migration 0011's functions, as they were, and no texts to highlight.

CREATE OR REPLACE FUNCTION pressroom.index_articles(changed pressroom.articles[]) RETURNS void
    LANGUAGE sql
    SET search_path = pressroom, pg_temp
    AS $$
INSERT INTO search_documents AS s
SELECT d.*
  FROM unnest(changed) AS a,
       LATERAL search_document(a, article_body_vector(a.language, a.body)) AS d
ON CONFLICT (article_id) DO UPDATE
   SET (published_at, site_id, language, canonical_url, title, summary, author, head, terms)
     = (EXCLUDED.published_at, EXCLUDED.site_id, EXCLUDED.language, EXCLUDED.canonical_url,
        EXCLUDED.title, EXCLUDED.summary, EXCLUDED.author, EXCLUDED.head, EXCLUDED.terms)
$$;

CREATE OR REPLACE FUNCTION pressroom.unindex_deleted_articles() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    DELETE FROM search_documents d USING old_articles o WHERE d.article_id = o.id;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION pressroom.unindex_truncated_articles() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    TRUNCATE search_documents;
    RETURN NULL;
END
$$;

DROP TABLE pressroom.highlight_texts;
DROP FUNCTION pressroom.highlight_text(text);
