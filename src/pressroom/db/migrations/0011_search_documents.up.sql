-- Search reads one unpartitioned table, pressroom.search_documents, instead of the ~145 monthly
-- partitions of articles (docs/search.md, "One index for all time").
--
-- Through the partitions, every search paid the executor's start-up for each partition it might
-- read (about 3 ms a query on 145 of them, even when it stopped after the first rows), a rare
-- word was looked up in 145 GIN indexes, and phrases re-read every candidate's body vector from
-- TOAST to check word positions (9.7 s at p95). Here a search is one probe of one GIN index:
--
-- * markers make the filters index conditions: each document's terms hold its day, month and
--   year of publication, its site and its language as lexemes no parser can produce (they start
--   with §). A window of time is a handful of day, month and year markers; GIN reads them as
--   their own scan key and skips through the word's posting list to them, so a very common word
--   costs what its matches in the window cost, not what all its matches cost;
-- * pairs find phrases: each lexeme and the next are a lexeme of their own ('iphone اقتصاد',
--   'state 3 art' across two stopwords), so a two-word phrase is one exact index lookup, and a
--   longer one is checked against positions only in the documents holding all its pairs;
-- * what a result shows (title, summary, URL, author) is in the row: joining the page back to
--   the partitioned articles would pay the partitions' start-up again.
--
-- The table is kept by statement-level triggers on articles, in the writer's transaction, so a
-- search sees an article exactly when the article is visible. Rows moved between partitions by
-- ensure_month_partitions() keep their id and content, so their documents stay right.

-- Two lexemes `gap` positions apart with no other lexeme between them, as one lexeme: 'a b'
-- when they are neighbours, 'a 3 b' when two stopwords stand between them. Lexemes never
-- contain a space, so a pair cannot be taken for a word, nor one pair for another.
CREATE FUNCTION pressroom.word_pair(first text, gap integer, second text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT first || ' ' || CASE WHEN gap = 1 THEN '' ELSE gap || ' ' END || second $$;

-- Every lexeme paired with the next one (word_pair): what phrase searches find their documents
-- by. A two-word phrase is exactly its pair, since the pair exists only where the two stand at
-- that distance with nothing but stopwords between; a longer phrase is narrowed to the
-- documents holding all its pairs before positions are checked. PostgreSQL keeps positions up
-- to 16383 and puts every later word at 16383, where no phrase can match; a lexeme is at most
-- 2047 bytes. Pairs beyond either limit are left out, here and in phrase_pairs() alike.
CREATE FUNCTION pressroom.adjacent_pairs(vector tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT array_to_tsvector(coalesce(array_agg(pair), '{}'))
  FROM (SELECT pressroom.word_pair(lexeme, lead(position) OVER w - position, lead(lexeme) OVER w)
                   AS pair,
               lead(position) OVER w - position AS gap
          FROM unnest(vector) AS v, unnest(v.positions) AS position
         WHERE position < 16383
        WINDOW w AS (ORDER BY position, lexeme)) p
 WHERE gap > 0 AND octet_length(pair) <= 2047
$$;

-- Where and when an article was published, as lexemes (search/markers.py): § never survives
-- the parser, so no word of a text or a query can become one of these. Decade, year, month and
-- day of publication in UTC, so any span of time is a few of them.
CREATE FUNCTION pressroom.search_markers(site_id integer, language text, published_at timestamptz)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    -- to_char() is STABLE for its locale-dependent patterns; these are numbers only, in UTC.
    AS $$
SELECT array_to_tsvector(ARRAY[
    '§s' || site_id,
    '§l' || language,
    '§c' || extract(year FROM published_at AT TIME ZONE 'UTC')::integer / 10,
    '§y' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY'),
    '§m' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM'),
    '§d' || to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')])
$$;

-- Everything a search matches: the head (weighted words and markers), the body, and the pairs
-- of neighbouring words (markers have no position, so they pair with nothing).
CREATE FUNCTION pressroom.search_terms(head tsvector, body tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT head || body || pressroom.adjacent_pairs(head || body) $$;

-- The pairs of a quoted phrase, ANDed (adjacent_pairs()). A place with more than one lexeme
-- (rare: a dictionary that gives several) pairs with nothing, which only narrows less. NULL for a
-- single word, which has no pair.
CREATE FUNCTION pressroom.phrase_pairs(language text, phrase text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
WITH places AS (
    SELECT p.position, min(v.lexeme) AS lexeme, count(*) AS lexemes
      FROM unnest(pressroom.search_vector(language, phrase)) AS v, unnest(v.positions) AS p(position)
     GROUP BY p.position
), pairs AS (
    SELECT pressroom.word_pair(lag(lexeme) OVER w, (position - lag(position) OVER w)::integer, lexeme)
               AS pair,
           lexemes = 1 AND lag(lexemes) OVER w = 1 AS single
      FROM places
    WINDOW w AS (ORDER BY position)
)
SELECT string_agg('''' || replace(replace(pair, '\', '\\'), '''', '''''') || '''', ' & ')::tsquery
  FROM pairs
 WHERE single AND octet_length(pair) <= 2047
$$;

-- How many places a phrase's words take: a phrase of two places is exactly its pair.
CREATE FUNCTION pressroom.phrase_places(language text, phrase text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT count(DISTINCT p.position)::integer
  FROM unnest(pressroom.search_vector(language, phrase)) AS v, unnest(v.positions) AS p(position)
$$;

CREATE TABLE pressroom.search_documents (
    article_id    bigint PRIMARY KEY,
    published_at  timestamptz NOT NULL,
    site_id       integer NOT NULL,
    language      pressroom.language_code NOT NULL,
    canonical_url text NOT NULL,
    title         text NOT NULL,
    summary       text NOT NULL,
    author        text,
    -- Title (A), summary (B), tags (C) and the markers: ranked, and matched by suggestions.
    -- Small enough to stay in the row, so ranking never reads TOAST.
    head          tsvector NOT NULL,
    -- head, body (D), adjacent pairs and markers: what searches match.
    terms         tsvector NOT NULL
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_settings
                WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE pressroom.search_documents ALTER COLUMN summary SET COMPRESSION lz4,
                                               ALTER COLUMN terms SET COMPRESSION lz4;
    END IF;
END
$$;

-- The document of each article row, as its triggers write it.
CREATE FUNCTION pressroom.search_document(a pressroom.articles, body_vector tsvector)
    RETURNS pressroom.search_documents
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT a.id, a.published_at, a.site_id, a.language, a.canonical_url, a.title, a.summary, a.author,
       head, pressroom.search_terms(head, body_vector)
  FROM (SELECT pressroom.article_head_vector(a.language, a.title, a.summary) || a.tag_vector
               || pressroom.search_markers(a.site_id, a.language, a.published_at)) AS h(head)
$$;

-- Articles from before this migration, from the vectors they already have (parsing a million
-- bodies again would take a core about twenty minutes).
INSERT INTO pressroom.search_documents
SELECT d.*
  FROM pressroom.articles a, LATERAL pressroom.search_document(a, a.body_vector) d;

-- Built after the rows are in: one sorted build instead of a million inserts.
CREATE INDEX search_documents_terms ON pressroom.search_documents USING gin (terms);
-- Suggestions: titles only (weight A), which the index above could find but not check without
-- reading each candidate's whole terms from TOAST.
CREATE INDEX search_documents_head ON pressroom.search_documents USING gin (head);
ANALYZE pressroom.search_documents;

-- Only these triggers write search documents: they run as the owner (SECURITY DEFINER), and the
-- writer role may read the table but not change it (grants.sql), so no client can make search
-- disagree with the articles.
--
-- (Re)writes the documents of these article rows. An existing document is replaced: it may be
-- one left behind by DML on a partition itself, which fires no trigger of the parent.
CREATE FUNCTION pressroom.index_articles(changed pressroom.articles[]) RETURNS void
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

CREATE FUNCTION pressroom.index_new_articles() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    PERFORM index_articles(ARRAY(SELECT ROW(n.*)::articles FROM new_articles n));
    RETURN NULL;
END
$$;

-- Only articles whose searchable content, place or shown fields changed are indexed again:
-- touching updated_at or metadata parses nothing.
CREATE FUNCTION pressroom.reindex_changed_articles() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    PERFORM index_articles(ARRAY(
        SELECT ROW(n.*)::articles
          FROM new_articles n
          JOIN old_articles o ON o.id = n.id
         WHERE (n.title, n.summary, n.body, n.language, n.tag_vector, n.site_id, n.canonical_url,
                n.author)
               IS DISTINCT FROM
               (o.title, o.summary, o.body, o.language, o.tag_vector, o.site_id, o.canonical_url,
                o.author)));
    RETURN NULL;
END
$$;

CREATE FUNCTION pressroom.unindex_deleted_articles() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    DELETE FROM search_documents d USING old_articles o WHERE d.article_id = o.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION pressroom.unindex_truncated_articles() RETURNS trigger
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    TRUNCATE search_documents;
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_index_new AFTER INSERT ON pressroom.articles
    REFERENCING NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION pressroom.index_new_articles();
CREATE TRIGGER articles_reindex_changed AFTER UPDATE ON pressroom.articles
    REFERENCING OLD TABLE AS old_articles NEW TABLE AS new_articles
    FOR EACH STATEMENT EXECUTE FUNCTION pressroom.reindex_changed_articles();
CREATE TRIGGER articles_unindex_deleted AFTER DELETE ON pressroom.articles
    REFERENCING OLD TABLE AS old_articles
    FOR EACH STATEMENT EXECUTE FUNCTION pressroom.unindex_deleted_articles();
CREATE TRIGGER articles_unindex_truncated AFTER TRUNCATE ON pressroom.articles
    FOR EACH STATEMENT EXECUTE FUNCTION pressroom.unindex_truncated_articles();

-- The article's own vectors are gone: the head is computed with its document and the body
-- vector lived only to be matched. The tag vector stays on the article, where the triggers of
-- article_tags and tags keep it, and the loader writes it with the row.
DROP INDEX pressroom.articles_search;
DROP INDEX pressroom.articles_search_head;
DROP TRIGGER articles_text_vectors ON pressroom.articles;
DROP FUNCTION pressroom.set_article_text_vectors();
ALTER TABLE pressroom.articles DROP COLUMN head_vector, DROP COLUMN body_vector;

-- Tags are parsed with the article's language, so a new language re-parses them.
CREATE FUNCTION pressroom.reparse_article_tags() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pressroom, pg_temp
    AS $$
BEGIN
    NEW.tag_vector := article_tag_vector(NEW.language, article_tag_names(NEW.id, NEW.published_at));
    RETURN NEW;
END
$$;

CREATE TRIGGER articles_language_tags BEFORE UPDATE OF language ON pressroom.articles
    FOR EACH ROW WHEN (NEW.language IS DISTINCT FROM OLD.language)
    EXECUTE FUNCTION pressroom.reparse_article_tags();
