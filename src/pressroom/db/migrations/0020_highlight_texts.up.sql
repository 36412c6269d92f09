-- Snippets are highlighted in text normalised once, when the article is written, instead of on
-- every search (docs/search.md, "Snippets").
--
-- ts_headline() must read the text the search's words were matched in, the normalised one
-- (search/normalize.py), so "كتاب" typed on an Arabic keyboard marks "کتاب". Each search
-- normalised the title and summary of each of its twenty results again: 7 and 19 µs a row
-- against 4 and 15 for highlighting them, over half of a full page's 0.9 ms of snippets.
--
-- The normalised texts live in a table of their own, read by primary key for the rows of a
-- page only: in search_documents they would widen the rows every search walks, and filling
-- them there would rewrite every row, each one's terms entering the GIN index again.

-- What ts_headline() reads: the text normalised, without the private-use characters the
-- search marks matches with (search/snippets.py, MARK_START and MARK_END), so a text holding
-- them cannot forge a mark.
CREATE FUNCTION pressroom.highlight_text(text text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT pressroom.normalize_text(translate(text, U&'\E000\E001', '')) $$;

CREATE TABLE pressroom.highlight_texts (
    article_id bigint PRIMARY KEY,
    title      text NOT NULL,
    summary    text NOT NULL
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_settings
                WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE pressroom.highlight_texts ALTER COLUMN summary SET COMPRESSION lz4;
    END IF;
END
$$;

INSERT INTO pressroom.highlight_texts
SELECT d.article_id, pressroom.highlight_text(d.title), pressroom.highlight_text(d.summary)
  FROM pressroom.search_documents d;
ANALYZE pressroom.highlight_texts;

-- Migration 0011's function, which also writes the texts to highlight.
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
        EXCLUDED.title, EXCLUDED.summary, EXCLUDED.author, EXCLUDED.head, EXCLUDED.terms);
INSERT INTO highlight_texts AS h
SELECT a.id, highlight_text(a.title), highlight_text(a.summary)
  FROM unnest(changed) AS a
ON CONFLICT (article_id) DO UPDATE
   SET (title, summary) = (EXCLUDED.title, EXCLUDED.summary);
$$;

CREATE OR REPLACE FUNCTION pressroom.unindex_deleted_articles() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    DELETE FROM search_documents d USING old_articles o WHERE d.article_id = o.id;
    DELETE FROM highlight_texts h USING old_articles o WHERE h.article_id = o.id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION pressroom.unindex_truncated_articles() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    TRUNCATE search_documents, highlight_texts;
    RETURN NULL;
END
$$;
